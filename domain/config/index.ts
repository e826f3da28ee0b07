// The controller's configuration (lazarus.yaml): schema, loading with precise errors, policy lookup.
export { ConfigError, configPath, formatPath, loadConfig, parseConfigText } from './load.js';
export { parseDuration } from './duration.js';
export {
  PRIORITY_CLASSES,
  configSchema,
  type HostGroupConfig,
  type LazarusConfig,
  type MonitoringConfig,
  type PriorityClass,
  type VmPolicy,
} from './schema.js';
export { policyFor, type EffectivePolicy } from './policies.js';
export { reducedSizeOf, reducedSizeSchema, type PartitionSize, type ReducedSizePolicy } from './reduced-size.js';
