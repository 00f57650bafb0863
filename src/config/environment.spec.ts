import { AppConfig } from './app-config.js';
import { ConfigError, parseEnvironment } from './environment.js';

describe('parseEnvironment', () => {
  it('should give every variable its default on an empty environment', () => {
    const config = new AppConfig(parseEnvironment({}));
    expect(config).toMatchObject({
      port: 8001,
      host: '0.0.0.0',
      mongodbUri: undefined,
      adminApiKey: undefined,
      logLevel: 'info',
      corsOrigins: [],
      bodyLimitBytes: 1048576,
      messageMaxChars: 100000,
    });
    expect(config.dataDir).toBe(`${process.cwd()}/data`);
  });

  it('should take a variable set to nothing as unset, as .env.example writes them', () => {
    const config = AppConfig.fromEnv({ WORKER_PORT: '', DB_MAX_POOL_SIZE: ' ', LOG_LEVEL: '', OPENAI_API_KEY: '' });
    expect(config.logLevel).toBe('info');
    expect(config.providers.filter((p) => p.enabled)).toEqual([]);
  });

  it('should convert and keep valid values', () => {
    const config = AppConfig.fromEnv({
      PORT: '9000',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      MONGODB_URI: 'mongodb://db:27017/x',
    });
    expect(config.port).toBe(9000);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.mongodbUri).toBe('mongodb://db:27017/x');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty": '],
    [{ PORT: 'eighty' }, 'PORT must be an integer number'],
    [{ PORT: '70000' }, 'PORT="70000": PORT must not be greater than 65535'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI="postgres://x": must be a mongodb:// or mongodb+srv:// URI'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud": LOG_LEVEL must be one of the following values'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY=(hidden): must be at least 16 characters long'],
  ])('should refuse %j with a message naming the variable', (env, message) => {
    expect(() => parseEnvironment(env)).toThrow(ConfigError);
    expect(() => parseEnvironment(env)).toThrow(message);
  });

  it('should never echo a key in its message', () => {
    let thrown: unknown;
    try {
      parseEnvironment({ ADMIN_API_KEY: 'tiny-secret' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain('ADMIN_API_KEY=(hidden)');
    expect((thrown as ConfigError).message).not.toContain('tiny-secret');
  });

  it('should list every bad variable at once', () => {
    try {
      parseEnvironment({ PORT: '0', BODY_LIMIT_BYTES: 'lots' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split('=')[0]).sort()).toEqual(['BODY_LIMIT_BYTES', 'PORT']);
    }
  });
});

describe('provider variables', () => {
  it('should enable a provider when its key is set, and Ollama when its base URL is', () => {
    const config = AppConfig.fromEnv({ ANTHROPIC_API_KEY: 'sk-ant-x', OLLAMA_BASE_URL: 'http://gpu-box:11434/v1/' });
    const enabled = config.providers.filter((p) => p.enabled).map((p) => [p.id, p.baseUrl]);
    expect(enabled).toEqual([
      ['anthropic', 'https://api.anthropic.com'],
      ['ollama', 'http://gpu-box:11434/v1'],
    ]);
  });

  it('should refuse a base URL that is not http(s), naming the variable', () => {
    expect(() => parseEnvironment({ XAI_BASE_URL: 'ftp://x.ai' })).toThrow(
      'XAI_BASE_URL="ftp://x.ai": must be an http:// or https:// URL',
    );
    expect(() => parseEnvironment({ PROVIDER_TIMEOUT_MS: '5' })).toThrow('PROVIDER_TIMEOUT_MS');
    expect(() => parseEnvironment({ PROVIDER_DEADLINE_MS: '10' })).toThrow('PROVIDER_DEADLINE_MS');
    expect(parseEnvironment({ PROVIDER_DEADLINE_MS: '600000' }).PROVIDER_DEADLINE_MS).toBe(600_000);
  });
});
