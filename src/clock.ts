// The one clock services read the time from. The composition root makes it and hands it to
// every service that asks the time; tests hand in one they set or move (minutes of polling
// stand in a test for the instant they take).

/** The current instant. */
export type Clock = () => Date;

/** The machine's clock. */
export const systemClock: Clock = () => new Date();
