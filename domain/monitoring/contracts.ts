// What the host monitor sees each interval: per host, what each HMC of the group says about the managed system, how
// the storage system sees the host's Fibre Channel ports, and the VIOS partitions' states. Produced by the
// `observeHostGroup` activity (activities/monitoring/), judged by the pure rules of this folder, acted on by
// workflows/monitoring/. Plain JSON: it travels through workflow history.

/** What one HMC said about one managed system. */
export interface HmcReading {
  hmc: string;
  /** false: the HMC itself did not answer (connection, authentication, timeout); `state` is then absent. */
  reachable: boolean;
  /**
   * The managed system's state as `lssyscfg -r sys -F name,state` prints it (`Operating`, `Standby`, `Power Off`,
   * `Error`, `No Connection`, `Incomplete`, `Initializing`, …), or `unknown-system` when this HMC does not list it.
   */
  state?: string;
  /** Why the HMC could not be read, for the alert (never a secret). */
  error?: string;
  /**
   * With `error`: the device error class (activities/ssh/error-classes.ts: `transient` for connection and timeout,
   * `authentication`, …). An HMC that answered the listing with an error (HSCL…, unreadable output) is `reachable`
   * with no `state`: it is up but says nothing about the host.
   */
  errorClass?: string;
}

/** The host's Fibre Channel ports as the storage system's host object shows them (`lshost`). */
export interface StoragePortsReading {
  storage: string;
  /** false: the storage system did not answer; the counts are then absent. */
  reachable: boolean;
  /** Ports of the host object with at least one node login (`node_logged_in_count` > 0 / state `active`). */
  loggedIn?: number;
  total?: number;
  /** The host object's `status` as concise lshost prints it: `online`, `offline` or `degraded`. */
  status?: string;
  error?: string;
  /** With `error`: as HmcReading.errorClass. A storage system with no host object for the host is `reachable`, with
   * `error` and without counts. */
  errorClass?: string;
}

export interface ViosReading {
  name: string;
  /** Partition state from the HMC (`Running`, `Not Activated`, `Not Available`, …). */
  state: string;
}

export interface HostObservation {
  host: string;
  /** ISO 8601, when the readings were taken (activity clock). */
  observedAt: string;
  /** One per HMC of the group, in the group's order of preference. */
  hmcs: HmcReading[];
  storagePorts: StoragePortsReading;
  /** From the first HMC that could list the host's partitions; absent when none could. */
  vios?: ViosReading[];
}

export interface GroupObservation {
  group: string;
  observedAt: string;
  hosts: HostObservation[];
}
