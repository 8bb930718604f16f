// Where every file of SPEC §2 lives, derived from STIGMER_HOME and the data dir.

export interface HomePaths {
  home: string;
  config: string;
  /** config.yaml as validated JSON, to skip parsing it on every command. */
  configCache: string;
  credentials: string;
}

export interface DataPaths {
  dataDir: string;
  database: string;
  daemonInfo: string;
  daemonToken: string;
  daemonLock: string;
  spawnLock: string;
  logsDir: string;
  daemonLog: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    config: `${home}/config.yaml`,
    configCache: `${home}/.config.yaml.json`,
    credentials: `${home}/credentials.yaml`,
  };
}

export function dataPaths(dataDir: string): DataPaths {
  return {
    dataDir,
    database: `${dataDir}/stigmer.db`,
    daemonInfo: `${dataDir}/daemon.json`,
    daemonToken: `${dataDir}/daemon.token`,
    daemonLock: `${dataDir}/daemon.lock`,
    spawnLock: `${dataDir}/spawn.lock`,
    logsDir: `${dataDir}/logs`,
    daemonLog: `${dataDir}/logs/daemon.log`,
  };
}

/**
 * What a code-mode program must never read (config, credentials, the data dir)
 * and the files whose secrets must never show in its output.
 */
export function protectedFiles(
  home: string,
  dataDir: string,
): { protectedPaths: string[]; secretFiles: string[] } {
  const homeFiles = homePaths(home);
  const data = dataPaths(dataDir);
  return {
    protectedPaths: [homeFiles.config, homeFiles.configCache, homeFiles.credentials, dataDir],
    secretFiles: [data.daemonToken, homeFiles.credentials],
  };
}
