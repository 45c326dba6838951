import os from 'node:os';
import { readConfig } from '../../../platform/src/config';
import { buildPlatform, startProcess } from '../../support/processes';

/** The instance's retention periods: the reference's by default, others within legal bounds, nothing else. */
describe('retention settings', () => {
  it('takes the reference periods by default and another period within bounds', () => {
    expect(readConfig({}).retention).toEqual({
      rdvMonths: 24, usagerMonths: 24, agentMonths: 24, agentNoticeDays: 30,
      personalVersionMonths: 12, versionMonths: 60, receiptMonths: 6, eventDays: 30,
    });
    expect(readConfig({ RETENTION_RDV_MONTHS: '36', RETENTION_EVENT_DAYS: '7' }).retention).toMatchObject({ rdvMonths: 36, eventDays: 7 });
  });

  it('refuses a period out of its bounds, or not a whole number, naming each variable and its bounds', () => {
    expect(() => readConfig({ RETENTION_RDV_MONTHS: '61' })).toThrow(
      'Retention settings refused: RETENTION_RDV_MONTHS must be a whole number of months from 12 to 60 (legal bounds; default 24), not "61"');
    expect(() => readConfig({ RETENTION_RECEIPT_MONTHS: '2', RETENTION_AGENT_NOTICE_DAYS: '7.5' })).toThrow(
      /RETENTION_AGENT_NOTICE_DAYS must be a whole number of days from 15 to 90.*RETENTION_RECEIPT_MONTHS must be a whole number of months from 3 to 12/);
    expect(() => readConfig({ RETENTION_USAGER_MONTHS: 'deux ans' })).toThrow(/RETENTION_USAGER_MONTHS .* not "deux ans"/);
    expect(() => readConfig({ RETENTION_VERSION_MONTHS: '23' })).toThrow(/RETENTION_VERSION_MONTHS must be a whole number of months from 24 to 120/);
  });

  it('stops the server at start with the reason', async () => {
    buildPlatform();
    const server = startProcess('main', { DATA_DIR: os.tmpdir(), RETENTION_RDV_MONTHS: '120' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('RETENTION_RDV_MONTHS must be a whole number of months from 12 to 60');
  }, 120_000);
});
