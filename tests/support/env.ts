// Jest setupFiles: a cheaper password hash in tests (the production cost is unchanged).
process.env.SCRYPT_LOG_N ??= '14';
process.env.TZ ??= 'UTC';
