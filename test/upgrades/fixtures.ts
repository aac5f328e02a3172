/** Configuration and .env files of each version, as operators write them: comments, custom keys, quirks. */

export const YAML_V10 = `# Tracktion development configuration
# Owned by the platform team.

database_url: "postgresql://tracktion:db-s3cret@localhost:5432/tracktion"   # primary database

# Where the music lives
watch_directories:
  - /srv/music    # main library
  - /srv/audio
analysis_port: 9001  # not the default
log_level: DEBUG
cache_size_mb: 512
feature_flags:
  beta_player: true
  experimental: [a, b]
`;

export const JSON_V10 = `{
    "database_url": "postgresql://tracktion:db-s3cret@localhost:5432/tracktion",
    "tracklist_workers": 6,
    "cache_size_mb": 512,
    "ratio": 1.50,
    "big_id": 12345678901234567890,
    "feature_flags": {
        "beta_player": true
    }
}
`;

export const YAML_V11 = `version: "1.1"
# Authentication (added by hand)
authentication:
    enabled: true       # keep on
    jwt_secret: "\${JWT_SECRET_KEY}"
    jwt_expiration: 7200
    password_min_length: 12
    max_login_attempts: 3
database:
    url: postgresql://localhost/tracktion
analysis_port: 9001
analysis_workers: 8
tracklist_port: 9002
watch_directories: [/music, /podcasts]
log_level: WARNING
metrics_port: 9100
custom_section:
    answer: 42
`;

export const JSON_V11 = `{
  "version": "1.1",
  "authentication": {
    "enabled": true,
    "jwt_secret": "\${JWT_SECRET_KEY}",
    "password_min_length": 10
  },
  "tracklist_workers": 3,
  "log_level": "ERROR",
  "custom": "kept"
}
`;

export const YAML_V20 = `version: 2.0
services:
  analysis_service:
    enabled: true
    port: 8001
    workers: 4
database: {}
authentication:
  enabled: true
  password_min_length: 14
  max_login_attempts: 7
  mfa:
    enabled: true          # operator turned MFA on
logging:
  level: INFO
custom_key: custom value
`;

export const JSON_V20 = `{
  "services": {
    "file_watcher": { "enabled": true, "watch_paths": ["/music"] }
  },
  "custom_key": "custom value"
}
`;

export const YAML_V21 = `# already migrated
version: "2.1"
security:
  cors:
    enabled: false
monitoring: {}
`;

export const ENV_V1 = `# Tracktion settings
DB_HOST=db.internal
DB_PORT=5433
DB_NAME=music
DB_USER=tracktion
DB_PASSWORD="p@ss w#rd"

# Cache
REDIS_HOST=cache.internal
REDIS_PASSWORD=redis-secret

export RABBITMQ_HOST=mq.internal
RABBITMQ_USER=tracktion
RABBITMQ_PASSWORD='mq:secret'
JWT_SECRET_KEY=jwt-secret-value # rotate yearly
LOG_LEVEL=debug
GREETING="hello world"
MULTILINE="line one
line two"
EQUALS=a=b=c
CUSTOM_THING=kept
`;

export const ENV_V2 = `DATABASE_URL=postgresql://tracktion:pw@localhost:5432/tracktion
ANALYSIS_SERVICE_URL=http://analysis:8001
MFA_SETTING=irrelevant
JWT_EXPIRATION=7200
CORS_ORIGINS=https://music.example.com
`;

export const ENV_V21 = `ENCRYPTION_MASTER_KEY=already-set
ANALYSIS_SERVICE_URL=http://analysis:8001
`;
