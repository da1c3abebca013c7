export * from './dockerfile/index.js';
