/** The config file a command reads when `--config` is not given. */
export const DEFAULT_CONFIG_PATH = 'switchyard.yaml';
