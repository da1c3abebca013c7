export * from './ast.js';
export { DockerfileError } from './errors.js';
export { expand, expandHeredoc, expandWords, type EnvLookup, type ExpandOptions } from './expand.js';
export { parseDuration } from './duration.js';
export { lex, type LexResult, type LogicalLine } from './lexer.js';
export { parseInstruction } from './instructions.js';
export { platformArgs, platformArgNames, proxyArgNames } from './platform-args.js';
export { StageScope, type ScopeOptions } from './scope.js';
export {
  findStage,
  parseDockerfile,
  stagesNeeded,
  targetStage,
  type Dockerfile,
  type MetaArg,
  type ParseOptions,
  type Stage,
  type StageDependency,
} from './stages.js';
