export * from './errors/error-codes';
export * from './errors/domain.error';
export * from './terminal/progress-bar';
export * from './input/input-shape';
