import { Writable } from 'node:stream';
import { createLogger, withRequestId } from '../../../platform/src/logging';

/** What reaches the log collectors: JSON lines without anyone's personal data. */
describe('the logger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')));
        done();
      },
    });
    return { logger: createLogger(destination, 'info'), lines };
  }

  it('writes one JSON line per entry, with the request id it runs under', () => {
    const { logger, lines } = capture();
    withRequestId('trace-7', () => logger.warn({ plugin: 'ants' }, 'plugin booking check timed out'));
    logger.info('stopped');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', message: 'plugin booking check timed out', plugin: 'ants', request_id: 'trace-7' }),
      expect.objectContaining({ level: 'info', message: 'stopped' }),
    ]);
    expect(lines[1]).not.toHaveProperty('request_id');
    expect(typeof lines[0].time).toBe('string');
  });

  it('replaces emails, phone numbers, names, addresses, passwords, tokens and codes, at the top or one level down', () => {
    const { logger, lines } = capture();
    logger.error({
      email: 'camille@example.fr', phone_number: '0612345678', token: 'abc', rdv_id: 'r-1',
      usager: { first_name: 'Camille', last_name: 'Martin', address: '1 rue des Lilas', birth_date: '1990-01-01', id: 'u-1' },
      request: { authorization: 'Bearer x', code: '123456', password: 'hunter2-hunter2' },
    }, 'notification failed');
    expect(lines[0]).toMatchObject({
      email: '[redacted]', phone_number: '[redacted]', token: '[redacted]', rdv_id: 'r-1',
      usager: { first_name: '[redacted]', last_name: '[redacted]', address: '[redacted]', birth_date: '[redacted]', id: 'u-1' },
      request: { authorization: '[redacted]', code: '[redacted]', password: '[redacted]' },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/camille|0612345678|Martin|Lilas|hunter2|123456/i);
  });
});
