// How every BING process reaches Temporal: the SDK's standard client settings, read by
// @temporalio/envconfig. TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS_*
// win over the temporal.toml profile (TEMPORAL_PROFILE, default `default`, in TEMPORAL_CONFIG_FILE
// or ~/.config/temporalio/temporal.toml); config.ts's defaults (the local dev server) fill the rest.
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { clientConfigToToml, loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { ConfigError, type Config } from './config';
import { tracingEnabled } from './tracing';

export interface TemporalConnection {
  /** For `Connection.connect` and `NativeConnection.connect` alike. */
  connectionOptions: ClientConnectConfig['connectionOptions'] & { address: string };
  namespace: string;
}

type TemporalDefaults = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>;

export function temporalConnection(config: TemporalDefaults, env: NodeJS.ProcessEnv = process.env): TemporalConnection {
  if (['1', 'true'].includes(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION ?? '')) {
    throw new ConfigError('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: the TypeScript SDK always verifies the server\'s name; set TEMPORAL_TLS_SERVER_NAME to the name its certificate carries');
  }
  let loaded: ClientConnectConfig;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw settingsError(err);
  }
  const { connectionOptions, namespace } = loaded;
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? config.TEMPORAL_ADDRESS },
    namespace: namespace ?? config.TEMPORAL_NAMESPACE,
  };
}

/** A client of the namespace the settings name; `client.connection.close()` ends it. */
export async function connectTemporalClient(config: TemporalDefaults, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const { connectionOptions, namespace } = temporalConnection(config, env);
  // With tracing on, workflow starts and signals carry the caller's span into the workflow.
  const interceptors = tracingEnabled(env) ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  return new Client({ connection: await Connection.connect(connectionOptions), namespace, interceptors });
}

/**
 * The environment for processes that must reach a local dev server (plain gRPC, no key) whatever
 * the user's own Temporal settings say: the user's TEMPORAL_* variables dropped, and a temporal.toml
 * of one profile, written to `tomlPath`, naming the server (the Temporal CLI can use it too).
 */
export function devServerEnv(config: TemporalDefaults, tomlPath: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  writeFileSync(tomlPath, clientConfigToToml({ profiles: { default: { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE } } }));
  const rest = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  return { ...rest, TEMPORAL_CONFIG_FILE: tomlPath, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE };
}

/** The TOML parser's message quotes the offending line, which may hold an API key: say only where it is. */
function settingsError(err: unknown): Error {
  const toml = err as { line?: unknown; column?: unknown };
  if (typeof toml.line === 'number' && typeof toml.column === 'number') {
    return new ConfigError(`the Temporal config file (TEMPORAL_CONFIG_FILE, or ~/.config/temporalio/temporal.toml) is not valid TOML at line ${toml.line}, column ${toml.column}`);
  }
  return new ConfigError(`Temporal connection settings: ${err instanceof Error ? err.message : String(err)}`);
}
