/** A small queue bound for the main test app, so that overflow is cheap to reach. */
export const QUEUE_BOUND = 16;
