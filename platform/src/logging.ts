export type LogLevel = 'info' | 'warn' | 'error';

/** Where the platform's background parts (queue, dispatcher, plugins) write what happened. */
export type LogSink = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** One JSON line per entry, errors on stderr: what log collectors read. */
export const consoleLog: LogSink = (level, message, fields = {}) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

/** The message of anything thrown, for logs and failure records. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
