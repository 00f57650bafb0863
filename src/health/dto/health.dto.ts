export class LivenessDto {
  status: 'ok';
  /** Seconds since the process started. */
  uptimeSeconds: number;
}

export class ReadinessDto {
  status: 'ok';
  database: 'up';
  /** How long the database took to answer the ping. */
  latencyMs: number;
}
