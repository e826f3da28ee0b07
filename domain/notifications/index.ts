// Notifications: severities, event kinds and the pure delivery rules (events.ts).
export * from './events.js';
