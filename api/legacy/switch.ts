// Whether the old POST /request contract is served: it trusts the userId in its body, so it is on by
// default only where no one but this machine can reach the API.
import type { Config } from '../../common/config';
import { isLoopback } from '../../common/loopback';

export const legacyRequestOn = (config: Pick<Config, 'BING_LEGACY_REQUEST' | 'BING_API_HOST'>): boolean =>
  config.BING_LEGACY_REQUEST ?? isLoopback(config.BING_API_HOST);
