/** Tight limits, an origin allow-list, an authorize hook and verbose logs, so the tests can reach each cheaply. */
export const STRICT_LIMITS = {
  maxMessageBytes: 1024,
  maxQueuedMessages: 100,
  maxQueuedBytes: 4096,
  messagesPerSecond: 20,
  messageBurst: 10,
  inboundBytesPerSecond: 4096,
  inboundBurstBytes: 8192,
  outboundBytesPerSecond: 4096,
  outboundBurstBytes: 8192,
  maxConnectionsPerRoom: 3,
  maxConnectionsPerClient: 2,
  maxDataBytes: 256,
} as const;
