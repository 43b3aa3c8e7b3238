// Problems the person running the trainer can fix, reported as one clear line (no stack trace): a data
// file that cannot be read, a deleted experiment, a tracking server that does not answer. Problems
// inside a data file are the data layer's DataError.

export class TrainerError extends Error {
  override name = 'TrainerError';
}

export class TrackingServerUnreachable extends TrainerError {
  override name = 'TrackingServerUnreachable';
  constructor(
    readonly trackingUri: string,
    detail: string,
  ) {
    super(
      `cannot reach the MLflow tracking server at ${trackingUri} (${detail}). Start one with \`npm start\` ` +
        '(or `minflow server --port 5000`), or point --tracking-uri / MLFLOW_TRACKING_URI at a running server.',
    );
  }
}
