/** The port redis listens on unless a profile says otherwise (its own module, so the engine module need not load the connection code). */
export const DEFAULT_PORT = 6379;
