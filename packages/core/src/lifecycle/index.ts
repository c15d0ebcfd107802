export * from './decide';
export * from './event-key';
export * from './orphans';
export * from './refunds';
export * from './run';
export * from './schedules';
export * from './shipment';
export * from './status';
