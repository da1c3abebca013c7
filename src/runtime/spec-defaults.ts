import type { SpecDeviceRule } from './spec-types.js';

/** Docker's PATH when an image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * Kernel files a container must not read (they leak host state or address layout):
 * the runtime hides each behind /dev/null (files) or an empty read-only tmpfs (dirs).
 */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Kernel knobs a container may read but not change (they are not namespaced). */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const char = (major: number, minor: number | undefined, access = 'rwm'): SpecDeviceRule =>
  minor === undefined ? { allow: true, type: 'c', major, access } : { allow: true, type: 'c', major, minor, access };

/**
 * The device cgroup of an unprivileged container: nothing but the devices every
 * process expects in /dev, and mknod of any node (opening it is still refused).
 */
export const DEFAULT_DEVICE_RULES: readonly SpecDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  char(1, 3), // /dev/null
  char(1, 5), // /dev/zero
  char(1, 7), // /dev/full
  char(1, 8), // /dev/random
  char(1, 9), // /dev/urandom
  char(5, 0), // /dev/tty
  char(5, 1), // /dev/console
  char(5, 2), // /dev/ptmx
  char(136, undefined), // /dev/pts/*
];

export const PRIVILEGED_DEVICE_RULES: readonly SpecDeviceRule[] = [{ allow: true, access: 'rwm' }];
