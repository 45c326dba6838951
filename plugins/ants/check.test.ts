import { elsewhereWarning, judgeStatuses, MESSAGES, numberPath, readNumbers, statusError } from './check';

const online = (number?: unknown) => ({ id: null, path: 'user.custom_fields', custom_fields: number === undefined ? {} : { ants_pre_demande_number: number } });
const agentUsager = (index: number, number?: unknown) => ({ id: `u${index}`, path: `user_ids.${index}`, custom_fields: number === undefined ? {} : { ants_pre_demande_number: number } });

describe('ANTS booking check', () => {
  it('puts errors where the number is in the request', () => {
    expect(numberPath('user.custom_fields')).toBe('user.custom_fields.ants_pre_demande_number');
    expect(numberPath('user_ids.2')).toBe('user_ids.2');
  });

  it('wants one well-formed, distinct number per person', () => {
    expect(readNumbers([online('abcde12345')])).toEqual({ numbers: new Map([['ABCDE12345', 'user.custom_fields.ants_pre_demande_number']]), errors: [] });
    expect(readNumbers([agentUsager(0), agentUsager(1, 'ABCDE'), agentUsager(2, 'ABCDE12345'), agentUsager(3, 'abcde12345')]).errors).toEqual([
      { path: 'user_ids.0', message: MESSAGES.missing },
      { path: 'user_ids.1', message: MESSAGES.malformed },
      { path: 'user_ids.3', message: MESSAGES.duplicate },
    ]);
  });

  it("refuses statuses other than validated with the reference's words, and warns of appointments elsewhere only", () => {
    const numbers = new Map([['AAAAA11111', 'user_ids.0'], ['BBBBB22222', 'user_ids.1'], ['CCCCC33333', 'user_ids.2']]);
    const elsewhere = { management_url: 'https://other.example/rdv/1', meeting_point: 'Mairie de Sannois', appointment_date: '2027-01-10 10:00:00' };
    const own = { management_url: 'https://lapin.example/public/rdvs/own', meeting_point: 'Mairie de Saumur', appointment_date: '2027-01-05 09:00:00' };
    const result = judgeStatuses(numbers, {
      AAAAA11111: { status: 'consumed', appointments: [] },
      BBBBB22222: { status: 'validated', appointments: [elsewhere, own] },
      CCCCC33333: { status: 'validated', appointments: [own] },
    }, new Set([own.management_url]));
    expect(result.errors).toEqual([{ path: 'user_ids.0', message: 'Le numéro de pré-demande AAAAA11111 correspond à un dossier déjà instruit' }]);
    expect(result.warnings).toEqual([{ path: 'user_ids.1', message: elsewhereWarning('BBBBB22222', elsewhere) }]);
    expect(result.warnings![0].message).toContain('Mairie de Sannois');
    expect(result.warnings![0].message).toContain('https://other.example/rdv/1');
    expect(statusError('X', 'declared')).toBe("Le numéro de pré-demande X n'est pas officiellement reconnu par l'ANTS");
    expect(statusError('X', 'unknown')).toBe("Le numéro de pré-demande X n'est pas reconnu par l'ANTS");
    expect(statusError('X', 'expired')).toBe('Le numéro de pré-demande X correspond à un dossier expiré');
  });
});
