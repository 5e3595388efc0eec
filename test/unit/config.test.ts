// The settings' parsers without a store: each setting from text, the CLI's one-line error naming the flag and the
// value, and loadConfig on plain environment objects (accounts JSON, thresholds, every bad value named at once).
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, MAX_DAYS, parseSetting, setting } from '#functions/config';

const ok = <T>(result: { success: boolean; data?: T }) => {
  expect(result.success).toBe(true);
  return result.data as T;
};

describe('setting', () => {
  it('days: whole days 0..MAX_DAYS, blank is the fallback', () => {
    const days = setting.days(30);
    expect(ok(days.safeParse('0'))).toBe(0);
    expect(ok(days.safeParse(` ${MAX_DAYS} `))).toBe(MAX_DAYS);
    expect(ok(days.safeParse(''))).toBe(30);
    expect(ok(days.safeParse('   '))).toBe(30);
    expect(ok(days.safeParse(undefined))).toBe(30);
    for (const bad of [String(MAX_DAYS + 1), '-1', '1.5', 'abc', '7d'])
      expect(days.safeParse(bad).success, bad).toBe(false);
  });

  it('thresholds: whole days, duplicates dropped, largest first; blank is the default', () => {
    expect(ok(setting.thresholds.safeParse('7, 30,7 ,0'))).toEqual([30, 7, 0]);
    expect(ok(setting.thresholds.safeParse('1,2,3'))).toEqual([3, 2, 1]);
    expect(ok(setting.thresholds.safeParse(''))).toEqual([30, 14, 7, 1, 0]);
    for (const bad of ['1,,2', '7,', '-1', '1.5', `${MAX_DAYS + 1}`, 'soon'])
      expect(setting.thresholds.safeParse(bad).success, bad).toBe(false);
  });

  it('positiveInt: a whole number >= 1, blank unset', () => {
    expect(ok(setting.positiveInt.safeParse('4'))).toBe(4);
    expect(ok(setting.positiveInt.safeParse(''))).toBeUndefined();
    for (const bad of ['0', '-2', '2.5', 'x'])
      expect(setting.positiveInt.safeParse(bad).success, bad).toBe(false);
  });

  it('apiUrl: a region or an http(s) URL, blank is the US region', () => {
    expect(ok(setting.apiUrl.safeParse(''))).toBe(DEFAULTS.apiUrl);
    expect(ok(setting.apiUrl.safeParse('eu'))).toBe('eu');
    expect(ok(setting.apiUrl.safeParse('http://127.0.0.1:9/v1'))).toBe('http://127.0.0.1:9/v1');
    for (const bad of ['mars', 'ftp://host/', 'file:///etc/passwd'])
      expect(setting.apiUrl.safeParse(bad).success, bad).toBe(false);
  });

  it('alertFormat and text: digest or each; text trimmed, blank unset', () => {
    expect(ok(setting.alertFormat.safeParse(''))).toBe('digest');
    expect(ok(setting.alertFormat.safeParse('each'))).toBe('each');
    expect(setting.alertFormat.safeParse('slack').success).toBe(false);
    expect(ok(setting.text.safeParse('  arn:x  '))).toBe('arn:x');
    expect(ok(setting.text.safeParse('  '))).toBeUndefined();
  });
});

describe('parseSetting', () => {
  it('returns the parsed value', () => {
    expect(parseSetting(setting.days(30), '14', '--expiring-days')).toBe(14);
  });

  it('throws one line naming the flag, the rule and the value typed', () => {
    const bad = () => parseSetting(setting.days(30), '9999', '--expiring-days');
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(`--expiring-days must be a whole number of days (0-${MAX_DAYS}), got 9999`);
    try {
      parseSetting(setting.thresholds, '1,,2', '--thresholds');
      expect.fail('parsed a bad value');
    } catch (error) {
      expect((error as ConfigError).code).toBe('bad_config');
      expect((error as Error).message).toMatch(
        /^--thresholds must be whole days separated by commas.*, got 1,,2$/,
      );
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('loadConfig', () => {
  it('reads the accounts list, each account with its own URL and secret', () => {
    const config = loadConfig({
      TABLE_NAME: 't',
      LICENSEWATCH_ACCOUNTS: JSON.stringify([
        { name: 'us', apiUrl: 'us', tokenSecretId: 'us-secret' },
        { name: 'eu-2', apiUrl: 'https://api.eu.integrator.io/v1', tokenSecretId: 'eu-secret' },
      ]),
      // Superseded by the list.
      CELIGO_API_URL: 'eu',
      CELIGO_API_TOKEN: 'ignored',
    });
    expect(config.partnerApi.accounts).toEqual([
      { name: 'us', apiUrl: 'us', tokenSecretId: 'us-secret' },
      { name: 'eu-2', apiUrl: 'https://api.eu.integrator.io/v1', tokenSecretId: 'eu-secret' },
    ]);
  });

  it('without a list, is the one account named default, with a token only when no secret is named', () => {
    expect(loadConfig({ TABLE_NAME: 't', CELIGO_API_TOKEN: 'tok' }).partnerApi.accounts).toEqual([
      { name: 'default', apiUrl: DEFAULTS.apiUrl, token: 'tok' },
    ]);
    expect(
      loadConfig({ TABLE_NAME: 't', CELIGO_API_TOKEN: 'tok', CELIGO_TOKEN_SECRET_ARN: 'arn:s' }).partnerApi
        .accounts,
    ).toEqual([{ name: 'default', apiUrl: DEFAULTS.apiUrl, tokenSecretId: 'arn:s' }]);
  });

  it('sorts and dedupes the alert thresholds', () => {
    expect(loadConfig({ TABLE_NAME: 't', ALERT_THRESHOLDS: '0,14,14,60' }).watch.thresholds).toEqual([
      60, 14, 0,
    ]);
  });

  it('names every bad variable in one error, with the reason and never the value', () => {
    const secretish = 'hooks.example.com/T000/B000/XXXXXXXX';
    try {
      loadConfig({
        EXPIRING_DAYS: 'x',
        ALERT_THRESHOLDS: secretish,
        LICENSEWATCH_ACCOUNTS: JSON.stringify([
          { name: 'us', apiUrl: 'us', tokenSecretId: 'a' },
          { name: 'us', apiUrl: 'eu', tokenSecretId: 'b' },
        ]),
      });
      expect.fail('loaded a bad configuration');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/^invalid configuration: /);
      expect(message).toContain('TABLE_NAME: is required');
      expect(message).toContain('LICENSEWATCH_ACCOUNTS: account names must be unique');
      expect(message).toContain('ALERT_THRESHOLDS: must be whole days separated by commas');
      expect(message).toContain(`EXPIRING_DAYS: must be a whole number of days (0-${MAX_DAYS})`);
      expect(message).not.toContain(secretish);
    }
  });

  it('says what is wrong with an accounts list', () => {
    const problem = (value: string) => {
      try {
        loadConfig({ TABLE_NAME: 't', LICENSEWATCH_ACCOUNTS: value });
      } catch (error) {
        return (error as Error).message;
      }
      return 'loaded';
    };
    expect(problem('{not json')).toContain('LICENSEWATCH_ACCOUNTS: must be a JSON array of accounts');
    expect(problem('[]')).toContain('must list at least one account');
    expect(problem('[{"name":"us","apiUrl":"us"}]')).toContain('LICENSEWATCH_ACCOUNTS.0.tokenSecretId');
    expect(problem('[{"name":"u s","apiUrl":"us","tokenSecretId":"x"}]')).toContain('must be 1-32 letters');
    expect(problem('[{"name":"us","apiUrl":"mars","tokenSecretId":"x"}]')).toContain(
      'LICENSEWATCH_ACCOUNTS.0.apiUrl: expected a URL',
    );
    expect(problem('[{"name":"us","apiUrl":"us","tokenSecretId":"x","token":"t"}]')).toContain(
      'LICENSEWATCH_ACCOUNTS.0',
    );
  });
});
