/** The controllers' name for the one metav1.Time/MicroTime formatter (shared/util/time-format.ts). */
export { parseTime, rfc3339, rfc3339Micro, rfc3339Nano } from '../../shared/util/time-format.ts';
