// Shared jest settings for every extension: JupyterLab's preset, made to work from the repo root too.
const path = require('path');
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

// ESM packages that must be transformed (JupyterLab's list plus `@jupyterlab/` itself).
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = function classlabJestConfig(packageDir, displayName) {
  // Reporters, coverage reporters and the timeout are run-wide options: the root config and the CLI set them.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { reporters, coverageReporters, testTimeout, ...base } =
    jestJupyterLab(packageDir);
  return {
    ...base,
    displayName,
    rootDir: packageDir,
    testRegex: 'test/.*\\.spec\\.ts$',
    transform: {
      ...base.transform,
      // Absolute paths: a root `jest` run has the repo root as cwd.
      '^.+\\.tsx?$': [
        'ts-jest/legacy',
        { tsconfig: path.join(packageDir, 'tsconfig.test.json') }
      ],
      '^.+\\.jsx?$': [
        'babel-jest',
        { configFile: path.join(__dirname, 'babel.config.js') }
      ]
    },
    transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
  };
};
