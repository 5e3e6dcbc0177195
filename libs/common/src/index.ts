export * from './errors/error-codes';
export * from './errors/domain.error';
