package dev.graft.zoo.keras;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every call into the native HDF5 library goes through here, so that a failure there (a C++ exception that
 * JavaCPP turns into a RuntimeException) becomes a {@link KerasImportException} naming the file.
 * Files reach this class only after {@link FileSniffer} has checked their signature and length.
 */
final class NativeHdf5 {
    private NativeHdf5() {
    }

    static Hdf5Archive open(Path file) throws KerasImportException {
        try {
            return new Hdf5Archive(file.toString());
        } catch (RuntimeException e) {
            throw damaged(file, "cannot be opened", e);
        }
    }

    static void close(Hdf5Archive h5) {
        try {
            h5.close();
        } catch (RuntimeException ignored) {
            // closing a damaged file may fail again; nothing is left to release
        }
    }

    static boolean hasAttribute(Hdf5Archive h5, Path file, String name, String... groups) throws KerasImportException {
        try {
            return h5.hasAttribute(name, groups);
        } catch (RuntimeException e) {
            throw damaged(file, "has an unreadable attribute '" + name + "'", e);
        }
    }

    static String readJsonAttribute(Hdf5Archive h5, Path file, String name) throws KerasImportException {
        try {
            return h5.readAttributeAsJson(name).trim().replace("\u0000", "");
        } catch (Exception e) {
            throw damaged(file, "has an unreadable attribute '" + name + "'", e);
        }
    }

    static String readStringAttribute(Hdf5Archive h5, Path file, String name) throws KerasImportException {
        try {
            return h5.readAttributeAsString(name).replace("\u0000", "");
        } catch (Exception e) {
            throw damaged(file, "has an unreadable attribute '" + name + "'", e);
        }
    }

    static List<String> groups(Hdf5Archive h5, Path file, String... path) throws KerasImportException {
        try {
            return h5.getGroups(path);
        } catch (RuntimeException e) {
            throw damaged(file, "has an unreadable group /" + String.join("/", path), e);
        }
    }

    static List<String> dataSets(Hdf5Archive h5, Path file, String... path) throws KerasImportException {
        try {
            return h5.getDataSets(path);
        } catch (RuntimeException e) {
            throw damaged(file, "has an unreadable group /" + String.join("/", path), e);
        }
    }

    static boolean hasGroup(Hdf5Archive h5, Path file, String... path) throws KerasImportException {
        String[] parent = Arrays.copyOf(path, path.length - 1);
        return groups(h5, file, parent).contains(path[path.length - 1]);
    }

    static INDArray read(Hdf5Archive h5, Path file, String dataSet, String... groups) throws KerasImportException {
        try {
            return h5.readDataSet(dataSet, groups);
        } catch (Exception e) {
            throw damaged(file, "has an unreadable weight /" + String.join("/", groups) + "/" + dataSet, e);
        }
    }

    private static KerasImportException damaged(Path file, String what, Exception e) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                .orElse("");
        return new KerasImportException("HDF5 file " + file + " " + what + " (" + detail + "); it is damaged or "
                + "not a Keras file", e);
    }
}
