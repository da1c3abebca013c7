export { LocalVolumeService, LOCAL_DRIVER, checkVolumeName } from './service.js';
export type * from './types.js';
export { ANONYMOUS_LABEL } from './types.js';
