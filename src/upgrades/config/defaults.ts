import type { Defaults } from './nodes.js';

/**
 * The sections each step adds, exactly as the upgrade contract lists them. Each is a function so
 * every file gets fresh objects: nothing added to one file can be changed through another.
 */

export const authenticationDefaults = (): Defaults => ({
  enabled: true,
  jwt_secret: '${JWT_SECRET_KEY}',
  jwt_expiration: 3600,
  password_min_length: 8,
  max_login_attempts: 5,
});

export const databaseDefaults = (url: unknown): Defaults => ({ url, pool_size: 10, max_overflow: 20 });

/** Values taken from the 1.1 file's top level; `undefined` means "not set, use the default". */
export interface ServiceInputs {
  analysisPort?: unknown;
  analysisWorkers?: unknown;
  tracklistPort?: unknown;
  tracklistWorkers?: unknown;
  watchDirectories?: unknown;
}

export const servicesDefaults = (taken: ServiceInputs): Defaults => ({
  analysis_service: { enabled: true, port: taken.analysisPort ?? 8001, workers: taken.analysisWorkers ?? 4 },
  tracklist_service: { enabled: true, port: taken.tracklistPort ?? 8002, workers: taken.tracklistWorkers ?? 2 },
  file_watcher: { enabled: true, watch_paths: taken.watchDirectories ?? ['/music'] },
});

export const loggingDefaults = (level: unknown): Defaults => ({
  level: level ?? 'INFO',
  format: 'structured',
  outputs: ['console', 'file'],
});

export const authenticationSecurityDefaults = (minLength: unknown, loginAttempts: unknown): Defaults => ({
  mfa: { enabled: false, issuer_name: 'Tracktion', backup_codes_count: 10 },
  password_policy: {
    min_length: minLength ?? 8,
    require_uppercase: true,
    require_lowercase: true,
    require_numbers: true,
    require_special: true,
  },
  rate_limiting: { login_attempts: loginAttempts ?? 5, lockout_duration: 900, requests_per_minute: 60 },
});

export const securityDefaults = (): Defaults => ({
  cors: {
    enabled: true,
    allowed_origins: ['https://app.tracktion.local'],
    allowed_methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allow_credentials: true,
  },
  headers: {
    csp_policy: "default-src 'self'; script-src 'self' 'unsafe-inline'",
    hsts_max_age: 31536000,
    frame_options: 'DENY',
  },
  encryption: { field_encryption_enabled: true, master_key: '${ENCRYPTION_MASTER_KEY}' },
});

export const monitoringDefaults = (): Defaults => ({
  metrics: { enabled: true, endpoint: '/metrics', include_system_metrics: true },
  health_checks: { enabled: true, endpoint: '/health', detailed: false },
  audit_logging: { enabled: true, include_requests: true, include_responses: false },
});
