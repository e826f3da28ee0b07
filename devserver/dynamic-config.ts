// Dynamic config (`--dynamic-config-value KEY=VALUE`): the few settings of the real server that the devserver honours,
// with the real server's defaults. Keys are matched case-insensitively, as Temporal does; values are JSON (the
// Temporal CLI reads them as YAML, of which a number or boolean is the same text).

/** A setting the devserver honours: its key as Temporal spells it and its default (Temporal's, where it has one). */
interface Setting {
  key: string;
  default: number;
  /** Where the default comes from. */
  source: string;
}

/**
 * The settings honoured. Defaults verified in temporalio/temporal common/dynamicconfig/constants.go:
 * HistoryCountSuggestContinueAsNew = 4*1024 events, HistorySizeSuggestContinueAsNew = 4*1024*1024 bytes.
 */
export const DYNAMIC_SETTINGS = {
  historyCountSuggestContinueAsNew: {
    key: 'limit.historyCount.suggestContinueAsNew',
    default: 4 * 1024,
    source: 'temporal common/dynamicconfig/constants.go HistoryCountSuggestContinueAsNew',
  },
  historySizeSuggestContinueAsNew: {
    key: 'limit.historySize.suggestContinueAsNew',
    default: 4 * 1024 * 1024,
    source: 'temporal common/dynamicconfig/constants.go HistorySizeSuggestContinueAsNew',
  },
} satisfies Record<string, Setting>;

export type DynamicSettingName = keyof typeof DYNAMIC_SETTINGS;
export type DynamicConfig = Record<DynamicSettingName, number>;

export class DynamicConfigError extends Error {}

/**
 * The effective settings from the command line's KEY=VALUE pairs. Returns the values and the keys that are not
 * honoured (the caller logs them: the real server also accepts keys it does not know).
 * @throws DynamicConfigError when an honoured key has a value that is not a non-negative integer.
 */
export function resolveDynamicConfig(values: Map<string, string>): { config: DynamicConfig; ignored: string[] } {
  const config = Object.fromEntries(
    Object.entries(DYNAMIC_SETTINGS).map(([name, setting]) => [name, setting.default]),
  ) as DynamicConfig;
  const ignored: string[] = [];
  for (const [key, text] of values) {
    const entry = Object.entries(DYNAMIC_SETTINGS).find(([, s]) => s.key.toLowerCase() === key.toLowerCase());
    if (!entry) {
      ignored.push(key);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new DynamicConfigError(
        `--dynamic-config-value ${entry[1].key}: expected a non-negative integer, got "${text}"`,
      );
    config[entry[0] as DynamicSettingName] = value;
  }
  return { config, ignored };
}
