/** Part of every cache key: bump when a change to the engine changes its findings. */
export const ENGINE_VERSION = '0.1.74';
