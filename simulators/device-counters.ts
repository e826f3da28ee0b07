/**
 * Management-interface counters per device, served in GET /state so tests can prove a driver's
 * connection pool stays under the device limits.
 */
export class DeviceCounters {
  sessions = 0;
  peakSessions = 0;
  unauthenticated = 0;
  connectionsAccepted = 0;
  /** Most TCP connections accepted within any one-second window. */
  peakConnectionsPerSecond = 0;
  refusedConnections = 0;
  refusedSessions = 0;
  authFailures = 0;
  commandsRun = 0;
  commandsFailed = 0;
  /** Most exec/shell channels open at once on one connection, and channel opens refused beyond the limit. */
  peakChannelsPerConnection = 0;
  refusedChannels = 0;
  private recentConnections: number[] = [];

  /** Connections accepted in the last second, including one arriving now. */
  connectionsInLastSecond(now: number): number {
    this.recentConnections = this.recentConnections.filter((t) => now - t < 1000);
    return this.recentConnections.length + 1;
  }

  connectionAccepted(now: number): void {
    this.recentConnections.push(now);
    this.connectionsAccepted++;
    this.peakConnectionsPerSecond = Math.max(this.peakConnectionsPerSecond, this.recentConnections.length);
  }

  sessionOpened(): void {
    this.sessions++;
    this.peakSessions = Math.max(this.peakSessions, this.sessions);
  }

  snapshot() {
    return {
      sessions: this.sessions,
      peakSessions: this.peakSessions,
      connectionsAccepted: this.connectionsAccepted,
      peakConnectionsPerSecond: this.peakConnectionsPerSecond,
      refusedConnections: this.refusedConnections,
      refusedSessions: this.refusedSessions,
      authFailures: this.authFailures,
      commandsRun: this.commandsRun,
      commandsFailed: this.commandsFailed,
      peakChannelsPerConnection: this.peakChannelsPerConnection,
      refusedChannels: this.refusedChannels,
    };
  }

  /** Peaks restart from the current load (DELETE /counters between test phases). */
  resetPeaks(): void {
    this.peakSessions = this.sessions;
    this.peakConnectionsPerSecond = 0;
    this.recentConnections = [];
    this.connectionsAccepted = 0;
    this.refusedConnections = 0;
    this.refusedSessions = 0;
    this.authFailures = 0;
    this.commandsRun = 0;
    this.commandsFailed = 0;
    this.peakChannelsPerConnection = 0;
    this.refusedChannels = 0;
  }
}
