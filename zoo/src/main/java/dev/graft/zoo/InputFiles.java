package dev.graft.zoo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Checks on files a user names, with messages that say which of "missing", "not readable" or "not a file" it is —
 * an unreadable file or folder is never reported as missing, and an {@link IOException} whose message is only a
 * path is turned into a sentence.
 *
 * @apiNote Internal: public only for transfer's readers and the CLI (uniform file errors).
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * Requires {@code file} to be an existing, readable regular file.
     *
     * @param what what the file is, for the message ("CSV file", "model file")
     * @throws FileNotFoundException if it does not exist (or a folder on its path cannot be searched), or is a folder
     * @throws AccessDeniedException if it exists but cannot be read
     */
    public static void requireReadableFile(Path file, String what) throws IOException {
        if (Files.isRegularFile(file)) {
            if (!Files.isReadable(file)) {
                throw new AccessDeniedException(null, null, what + " " + file
                        + " cannot be read (permission denied); check its permissions (chmod u+r)");
            }
            return;
        }
        if (Files.isDirectory(file)) {
            throw new FileNotFoundException(what + " " + file + " is a folder, not a file");
        }
        Path parent = file.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent != null && !Files.isExecutable(parent) && !Files.exists(file)) {
            throw new AccessDeniedException(null, null, what + " " + file + " cannot be reached: folder "
                    + parent + " cannot be searched (permission denied); check its permissions");
        }
        throw new FileNotFoundException(what + " " + file + " does not exist");
    }

    /**
     * Requires {@code dir} to be an existing folder whose entries can be listed.
     *
     * @throws FileNotFoundException if it does not exist or is a file
     * @throws AccessDeniedException if it cannot be listed
     */
    public static void requireReadableFolder(Path dir, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new FileNotFoundException(what + " " + dir + (Files.exists(dir) ? " is a file, not a folder" : " does not exist"));
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new AccessDeniedException(null, null, what + " " + dir
                    + " cannot be read (permission denied); check its permissions (chmod u+rx)");
        }
    }

    /**
     * A one-line description of an I/O error: {@link AccessDeniedException} and {@link NoSuchFileException}, whose
     * messages are often only a path, become "permission denied: PATH" and "no such file: PATH".
     */
    public static String describe(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return a.getReason() != null && a.getReason().contains(" ") ? a.getReason() : "permission denied: " + a.getFile()
                    + "; check its permissions";
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or folder: " + n.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
