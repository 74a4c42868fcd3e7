/** What OneDrive accepts for an upload: file names, and the sizes of simple uploads and session fragments. */

/** Largest file sent with a single PUT; Graph documents 4 MiB for simple uploads. */
export const SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;
/** Fragments must be multiples of 320 KiB (except the last). */
export const FRAGMENT_UNIT = 320 * 1024;
/** 10 MiB, the size Microsoft suggests for steady connections. */
export const DEFAULT_FRAGMENT_SIZE = 32 * FRAGMENT_UNIT;
/** Fragments must stay under 60 MiB. */
export const MAX_FRAGMENT_SIZE = 191 * FRAGMENT_UNIT;

const FORBIDDEN_CHARACTERS = /["*:<>?/\\|]/;

/** Why OneDrive would refuse this file name, or null. */
export function invalidFileNameReason(name: string): string | null {
  if (name.length === 0) return "the name is empty";
  if (FORBIDDEN_CHARACTERS.test(name)) return 'names cannot contain " * : < > ? / \\ |';
  if (name.startsWith(" ") || name.endsWith(" ")) return "names cannot start or end with a space";
  if ([...name].some((c) => c.charCodeAt(0) < 0x20)) return "names cannot contain control characters";
  if (
    /^(con|prn|aux|nul|com\d|lpt\d|\.lock|desktop\.ini)$/i.test(name) || name.startsWith("~$") ||
    name.includes("_vti_")
  ) {
    return "the name is reserved";
  }
  return null;
}

/** The fragment size to use; a size the upload host would refuse is a programming error. */
export function checkedFragmentSize(fragmentSize = DEFAULT_FRAGMENT_SIZE): number {
  if (fragmentSize <= 0 || fragmentSize % FRAGMENT_UNIT !== 0 || fragmentSize > MAX_FRAGMENT_SIZE) {
    throw new RangeError(
      `Invalid fragment size ${fragmentSize}: use a multiple of 327680 bytes (320 KiB) below 60 MiB`,
    );
  }
  return fragmentSize;
}
