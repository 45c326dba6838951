// Jest setupFiles: a cheaper password hash in tests (the production cost is unchanged).
process.env.SCRYPT_LOG_N ??= '14';
process.env.TZ ??= 'UTC';
// One access line per request would bury the test report: tests log warnings and errors only.
process.env.LOG_LEVEL ??= 'warn';
