// Defaults that are the Genesis monitoring plan's own names. Kept apart from the zod schema so
// workflow code can apply them to plans recorded before the field existed.

/** The Genesis monitoring plan's service-down alert (`up == 0`). */
export const DEFAULT_SERVICE_DOWN_ALERT = 'GenesisServiceDown';
