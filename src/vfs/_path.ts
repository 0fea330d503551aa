// Path helpers shared by the Vfs implementations and the stores: POSIX-style paths
// joined with "/", without touching any filesystem.

/** Joins path segments with "/" and normalizes the result. */
export function joinPath(...parts: string[]): string {
  return normalizePath(parts.filter((part) => part !== "").join("/"));
}

/**
 * Resolves "." and ".." segments and repeated slashes. An absolute path stays absolute;
 * a relative path stays relative ("." when empty).
 */
export function normalizePath(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(segment);
  }
  const joined = out.join("/");
  if (absolute) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** The directory part of a path ("/" for a top-level absolute path, "." for a bare name). */
export function dirname(path: string): string {
  const normal = normalizePath(path);
  const slash = normal.lastIndexOf("/");
  if (slash < 0) return ".";
  if (slash === 0) return "/";
  return normal.slice(0, slash);
}

/** The last segment of a path. */
export function basename(path: string): string {
  const normal = normalizePath(path);
  return normal.slice(normal.lastIndexOf("/") + 1);
}
