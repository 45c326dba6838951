import {
  checkRdvStatus,
  participationStatusAfter,
  rdvStatusFromParticipations,
  statusChangeReason,
  usagerIsTold,
} from '../../../platform/src/booking/status-rules';

describe('rdv status rules', () => {
  it('refuses excused and noshow for a collectif session, whose usagers excuse themselves one by one', () => {
    expect(() => checkRdvStatus('excused', true)).toThrow(/collectif/);
    expect(() => checkRdvStatus('noshow', true)).toThrow(/collectif/);
    for (const status of ['unknown', 'seen', 'revoked'] as const) expect(() => checkRdvStatus(status, true)).not.toThrow();
    for (const status of ['unknown', 'seen', 'noshow', 'excused', 'revoked'] as const) expect(() => checkRdvStatus(status, false)).not.toThrow();
  });

  it('spreads the rdv status to its participations as the reference does', () => {
    expect(participationStatusAfter('unknown', 'excused')).toBe('unknown');
    expect(participationStatusAfter('revoked', 'unknown')).toBe('revoked');
    expect(participationStatusAfter('revoked', 'excused')).toBe('excused');
    expect(participationStatusAfter('excused', 'seen')).toBe('excused');
    expect(participationStatusAfter('seen', 'unknown')).toBe('seen');
    expect(participationStatusAfter('seen', 'noshow')).toBe('noshow');
    expect(participationStatusAfter('noshow', 'excused')).toBe('excused');
  });

  it('derives the rdv from its participations', () => {
    const individual = { collectif: false, started: false };
    expect(rdvStatusFromParticipations('unknown', ['seen', 'noshow'], individual)).toBe('seen');
    expect(rdvStatusFromParticipations('unknown', ['unknown', 'excused'], individual)).toBe('unknown');
    expect(rdvStatusFromParticipations('unknown', ['excused', 'excused'], individual)).toBe('excused');
    expect(rdvStatusFromParticipations('unknown', ['excused', 'revoked'], individual)).toBe('revoked');
    expect(rdvStatusFromParticipations('unknown', ['noshow', 'excused'], individual)).toBe('noshow');
    // A future session whose usagers all left stays open; a past one is revoked.
    expect(rdvStatusFromParticipations('unknown', ['excused'], { collectif: true, started: false })).toBe('unknown');
    expect(rdvStatusFromParticipations('unknown', ['excused', 'noshow'], { collectif: true, started: true })).toBe('revoked');
    expect(rdvStatusFromParticipations('unknown', [], { collectif: true, started: true })).toBe('unknown');
  });

  it('names why an rdv changed, by who changed it', () => {
    expect(statusChangeReason('unknown', 'excused', 'user')).toBe('rdv_cancelled_by_user');
    expect(statusChangeReason('unknown', 'excused', 'agent')).toBe('rdv_cancelled_by_agent');
    expect(statusChangeReason('seen', 'revoked', 'agent')).toBe('rdv_cancelled_by_agent');
    expect(statusChangeReason('revoked', 'excused', 'agent')).toBe('rdv_updated');
    expect(statusChangeReason('revoked', 'unknown', 'agent')).toBe('rdv_restored');
    expect(statusChangeReason('unknown', 'noshow', 'agent')).toBe('rdv_noshow');
    expect(statusChangeReason('unknown', 'seen', 'agent')).toBe('rdv_seen');
  });

  it('raises the sequence for what the usager is told: a new time or place, a cancellation, a restore', () => {
    const same = { moved: false, lieuChanged: false };
    expect(usagerIsTold({ ...same, from: 'unknown', to: 'unknown' })).toBe(false);
    expect(usagerIsTold({ ...same, from: 'unknown', to: 'seen' })).toBe(false);
    expect(usagerIsTold({ ...same, from: 'unknown', to: 'excused' })).toBe(true);
    expect(usagerIsTold({ ...same, from: 'revoked', to: 'unknown' })).toBe(true);
    expect(usagerIsTold({ ...same, from: 'excused', to: 'revoked' })).toBe(false);
    expect(usagerIsTold({ moved: true, lieuChanged: false, from: 'unknown', to: 'unknown' })).toBe(true);
    expect(usagerIsTold({ moved: false, lieuChanged: true, from: 'unknown', to: 'unknown' })).toBe(true);
  });
});
