import type { CoreRdv } from '../../platform/src/plugins/sdk';
import { DeclaredAppointment, desiredAppointments, localAppointmentDate, reconcile } from './sync';

const point = { id: 'lieu-1', name: 'Mairie de Saumur' };

function rdv(overrides: Partial<CoreRdv> = {}): CoreRdv {
  return {
    id: 'rdv-1', organisation_id: 'org', motif_id: 'motif', lieu_id: 'lieu-1', starts_at: '2027-01-05T09:00:00+01:00', ends_at: '2027-01-05T09:20:00+01:00',
    status: 'unknown', cancelled: false, agent_ids: [], custom_fields: {},
    usagers: [
      { id: 'u1', participation_id: 'p1', first_name: 'A', last_name: 'A', participation_status: 'unknown', custom_fields: { ants_pre_demande_number: 'ABCDE12345' } },
      { id: 'u2', participation_id: 'p2', first_name: 'B', last_name: 'B', participation_status: 'unknown', custom_fields: { ants_pre_demande_number: 'zyxwv98765' } },
      { id: 'u3', participation_id: 'p3', first_name: 'C', last_name: 'C', participation_status: 'excused', custom_fields: { ants_pre_demande_number: 'LEFT000000' } },
      { id: 'u4', participation_id: 'p4', first_name: 'D', last_name: 'D', participation_status: 'unknown', custom_fields: {} },
    ],
    ...overrides,
  };
}

const declared = (application_id: string, appointment_date: string, id = application_id): DeclaredAppointment => ({
  id, application_id, meeting_point_id: 'lieu-1', meeting_point: 'Mairie de Saumur', appointment_date, management_url: `https://x/${id}`,
});

describe('ANTS reconciliation', () => {
  it('wants one appointment per active person with a number, at local wall-clock time', () => {
    expect(localAppointmentDate('2027-07-05T09:30:00+02:00')).toBe('2027-07-05 09:30:00');
    expect(desiredAppointments(rdv(), point)).toEqual([
      { application_id: 'ABCDE12345', meeting_point_id: 'lieu-1', meeting_point: 'Mairie de Saumur', appointment_date: '2027-01-05 09:00:00', user_id: 'u1', participation_id: 'p1' },
      { application_id: 'ZYXWV98765', meeting_point_id: 'lieu-1', meeting_point: 'Mairie de Saumur', appointment_date: '2027-01-05 09:00:00', user_id: 'u2', participation_id: 'p2' },
    ]);
  });

  it('wants nothing for a cancelled or deleted rdv, or one ANTS does not list', () => {
    expect(desiredAppointments(rdv({ cancelled: true }), point)).toEqual([]);
    expect(desiredAppointments(null, point)).toEqual([]);
    expect(desiredAppointments(rdv(), null)).toEqual([]);
  });

  it('withdraws what is no longer wanted and declares what is missing; a move is both', () => {
    const desired = desiredAppointments(rdv(), point);
    expect(reconcile(desired, [declared('ABCDE12345', '2027-01-05 09:00:00'), declared('ZYXWV98765', '2027-01-05 09:00:00')])).toEqual({ toDelete: [], toCreate: [] });

    const moved = desiredAppointments(rdv({ starts_at: '2027-01-06T10:00:00+01:00' }), point);
    const before = [declared('ABCDE12345', '2027-01-05 09:00:00'), declared('ZYXWV98765', '2027-01-05 09:00:00')];
    const { toDelete, toCreate } = reconcile(moved, before);
    expect(toDelete.map((a) => a.id)).toEqual(['ABCDE12345', 'ZYXWV98765']);
    expect(toCreate.map((a) => `${a.application_id} ${a.appointment_date}`)).toEqual(['ABCDE12345 2027-01-06 10:00:00', 'ZYXWV98765 2027-01-06 10:00:00']);

    const renumbered = desiredAppointments(rdv({ usagers: [{ ...rdv().usagers[0], custom_fields: { ants_pre_demande_number: 'NEWNUMBER1' } }] }), point);
    const change = reconcile(renumbered, [declared('ABCDE12345', '2027-01-05 09:00:00'), declared('ZYXWV98765', '2027-01-05 09:00:00')]);
    expect(change.toDelete.map((a) => a.id)).toEqual(['ABCDE12345', 'ZYXWV98765']);
    expect(change.toCreate.map((a) => a.application_id)).toEqual(['NEWNUMBER1']);

    expect(reconcile([], before).toDelete).toHaveLength(2);
  });

  it('declares a number once even when two people of the rdv carry it', () => {
    const twice = rdv({ usagers: [rdv().usagers[0], { ...rdv().usagers[1], custom_fields: { ants_pre_demande_number: 'abcde12345' } }] });
    expect(desiredAppointments(twice, point).map((a) => a.application_id)).toEqual(['ABCDE12345']);
  });
});
