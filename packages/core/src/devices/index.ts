export * from './enhance-device.js';
export * from './device-errors.js';
export * from './resolve-device.js';
