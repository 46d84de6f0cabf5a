package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.DataType;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.VarLenType;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A read-only HDF5 file, read through the native HDF5 library that DL4J already loads, that never leaves a
 * native object for the garbage collector to close.
 *
 * <p>Why not DL4J's {@code Hdf5Archive}: when a call fails half way (a damaged file), it leaves groups and
 * attributes open; JavaCPP later closes them on its deallocator thread, and the HDF5 build that ships with DL4J
 * is not thread-safe ({@code Threadsafety: no}), so that close can run concurrently with another import and
 * break it. Here every object is closed in a {@code finally} on the calling thread, and every call holds
 * DL4J's HDF5 lock. Native failures (C++ exceptions, which JavaCPP turns into RuntimeExceptions) become
 * {@link KerasImportException}s naming the file.
 */
final class Hdf5File implements AutoCloseable {
    private static final Object LOCK = Hdf5Archive.LOCK_OBJECT;
    private static final int MAX_JSON_BYTES = 64 << 20;
    private static final int MAX_STRING_BYTES = 1 << 16;
    private static final DataType FLOAT;

    static {
        Loader.load(hdf5.class);
        FLOAT = new DataType(PredType.NATIVE_FLOAT());
    }

    private final Path path;
    private H5File file;

    private Hdf5File(Path path, H5File file) {
        this.path = path;
        this.file = file;
    }

    /** Opens a file that {@link FileSniffer} has identified as complete HDF5. */
    static Hdf5File open(Path path) throws KerasImportException {
        synchronized (LOCK) {
            try {
                return new Hdf5File(path, new H5File(path.toString(), hdf5.H5F_ACC_RDONLY()));
            } catch (RuntimeException e) {
                throw damaged(path, "cannot be opened", e);
            }
        }
    }

    Path path() {
        return path;
    }

    /** True if the root group has an attribute of that name. */
    boolean hasAttribute(String name) throws KerasImportException {
        synchronized (LOCK) {
            try {
                return file.attrExists(name);
            } catch (RuntimeException e) {
                throw damaged(path, "has an unreadable attribute '" + name + "'", e);
            }
        }
    }

    /** A string attribute of the root group holding JSON (e.g. {@code model_config}). */
    String readJsonAttribute(String name) throws KerasImportException {
        return readStringAttribute(name, true);
    }

    /** A short string attribute of the root group (e.g. {@code keras_version}). */
    String readStringAttribute(String name) throws KerasImportException {
        return readStringAttribute(name, false).trim();
    }

    /**
     * Reads a string attribute the way DL4J does (fixed and variable length alike, read through a variable
     * length type into a buffer), growing the buffer until the text is complete.
     */
    private String readStringAttribute(String name, boolean json) throws KerasImportException {
        synchronized (LOCK) {
            Attribute a = null;
            VarLenType vl = null;
            try {
                a = file.openAttribute(name);
                vl = a.getVarLenType();
                ObjectMapper mapper = new ObjectMapper();
                int max = json ? MAX_JSON_BYTES : MAX_STRING_BYTES;
                for (int size = 2048; ; size = Math.min(max, size * 4)) {
                    byte[] bytes = new byte[size];
                    BytePointer p = new BytePointer(bytes); // zero-filled, so the text ends at the first NUL
                    try {
                        a.read(vl, p);
                        p.get(bytes);
                    } finally {
                        p.deallocate();
                    }
                    int end = 0;
                    while (end < size && bytes[end] != 0) {
                        end++;
                    }
                    String s = new String(bytes, 0, end, java.nio.charset.StandardCharsets.UTF_8);
                    if (json) {
                        try {
                            mapper.readTree(s);
                            return s.trim();
                        } catch (IOException incomplete) {
                            // buffer too short: read again with a larger one
                        }
                    } else if (end < size) {
                        return s;
                    }
                    if (size == max) {
                        throw new KerasImportException("HDF5 file " + path + " has an attribute '" + name
                                + "' that is not a readable " + (json ? "JSON text" : "string") + " within "
                                + max + " bytes; it is damaged or not a Keras file");
                    }
                }
            } catch (RuntimeException e) {
                throw damaged(path, "has an unreadable attribute '" + name + "'", e);
            } finally {
                if (vl != null) {
                    vl.deallocate();
                }
                if (a != null) {
                    a.deallocate();
                }
            }
        }
    }

    /** Names of the groups directly under a group ({@code ""} for the root). */
    List<String> groups(String group) throws KerasImportException {
        return children(group, hdf5.H5O_TYPE_GROUP);
    }

    /** Names of the data sets directly under a group. */
    List<String> dataSets(String group) throws KerasImportException {
        return children(group, hdf5.H5O_TYPE_DATASET);
    }

    /** True if {@code group} has a child group called {@code child}. */
    boolean hasGroup(String group, String child) throws KerasImportException {
        return groups(group).contains(child);
    }

    private List<String> children(String group, int type) throws KerasImportException {
        synchronized (LOCK) {
            Group g = null;
            try {
                g = file.openGroup(group.isEmpty() ? "/" : group);
                List<String> out = new ArrayList<>();
                long n = g.getNumObjs();
                for (long i = 0; i < n; i++) {
                    BytePointer name = g.getObjnameByIdx(i);
                    try {
                        String s = name.getString();
                        if (g.childObjType(s) == type) {
                            out.add(s);
                        }
                    } finally {
                        name.deallocate();
                    }
                }
                return out;
            } catch (RuntimeException e) {
                throw damaged(path, "has an unreadable group /" + group, e);
            } finally {
                if (g != null) {
                    g.deallocate();
                }
            }
        }
    }

    /** A data set as a float array of its stored shape (HDF5 converts from the stored number type). */
    INDArray readFloats(String dataSet) throws KerasImportException {
        synchronized (LOCK) {
            DataSet d = null;
            DataSpace s = null;
            try {
                d = file.openDataSet(dataSet);
                s = d.getSpace();
                int rank = s.getSimpleExtentNdims();
                long[] dims = new long[rank];
                if (rank > 0) {
                    s.getSimpleExtentDims(dims);
                }
                long n = 1;
                for (long x : dims) {
                    n = Math.multiplyExact(n, x);
                }
                if (n > Integer.MAX_VALUE) {
                    throw new KerasImportException("weight /" + dataSet + " in " + path + " has " + n
                            + " values, more than one Java array holds");
                }
                float[] values = new float[(int) n];
                FloatPointer fp = new FloatPointer(n);
                try {
                    d.read(fp, FLOAT);
                    fp.get(values);
                } finally {
                    fp.deallocate();
                }
                return rank == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, dims, 'c');
            } catch (RuntimeException e) {
                throw damaged(path, "has an unreadable weight /" + dataSet, e);
            } finally {
                if (s != null) {
                    s.deallocate();
                }
                if (d != null) {
                    d.deallocate();
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (LOCK) {
            if (file != null) {
                try {
                    file.deallocate();
                } catch (RuntimeException ignored) {
                    // closing a damaged file may fail again; nothing is left to release
                }
                file = null;
            }
        }
    }

    private static KerasImportException damaged(Path file, String what, Exception e) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        return new KerasImportException("HDF5 file " + file + " " + what + " (" + detail + "); it is damaged or "
                + "not a Keras file", e);
    }
}
