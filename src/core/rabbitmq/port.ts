/** The management plugin's port unless a profile says otherwise (its own module, so the engine module need not load the HTTP code). */
export const DEFAULT_PORT = 15672;
/** The management plugin's usual TLS port. */
export const DEFAULT_TLS_PORT = 15671;
