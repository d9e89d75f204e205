package io.lntune.torch.pytorch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle machine that never imports or calls anything. It builds plain values itself (None as
 * null, bool, int as long, float as double, str, {@link Tuple}, list as {@link ArrayList}, dict as
 * {@link LinkedHashMap}) and hands every reference to a Python object (GLOBAL, REDUCE, BUILD,
 * BINPERSID) to an {@link Objects} policy, which decides what it may become. It reads the opcodes
 * {@code torch.save} writes (protocol 2) and the few that protocol 4 adds (FRAME, MEMOIZE,
 * STACK_GLOBAL, SHORT_BINUNICODE, BINUNICODE8); any other opcode is refused.
 *
 * <p>Opcodes and their encodings follow CPython's {@code Lib/pickletools.py}.
 */
final class Unpickler {

  /**
   * What the pickle's references to Python objects become. Each method throws {@link
   * PickleException} to refuse.
   */
  interface Objects {
    /** {@return the object {@code module.name} (GLOBAL, STACK_GLOBAL)} */
    Object global(String module, String name);

    /** {@return the result of calling {@code callable} with {@code args} (REDUCE)} */
    Object reduce(Object callable, Tuple args);

    /** Applies {@code state} to {@code target} (BUILD). */
    void build(Object target, Object state);

    /** {@return the object a persistent id stands for (BINPERSID)} */
    Object persistentLoad(Object pid);
  }

  private static final int MARK = '(';
  private static final int STOP = '.';
  private static final int BININT = 'J';
  private static final int BININT1 = 'K';
  private static final int BININT2 = 'M';
  private static final int NONE = 'N';
  private static final int BINPERSID = 'Q';
  private static final int REDUCE = 'R';
  private static final int BINUNICODE = 'X';
  private static final int EMPTY_LIST = ']';
  private static final int APPEND = 'a';
  private static final int BUILD = 'b';
  private static final int GLOBAL = 'c';
  private static final int APPENDS = 'e';
  private static final int BINGET = 'h';
  private static final int LONG_BINGET = 'j';
  private static final int BINPUT = 'q';
  private static final int LONG_BINPUT = 'r';
  private static final int SETITEM = 's';
  private static final int TUPLE = 't';
  private static final int SETITEMS = 'u';
  private static final int BINFLOAT = 'G';
  private static final int EMPTY_TUPLE = ')';
  private static final int EMPTY_DICT = '}';
  private static final int PROTO = 0x80;
  private static final int TUPLE1 = 0x85;
  private static final int TUPLE2 = 0x86;
  private static final int TUPLE3 = 0x87;
  private static final int NEWTRUE = 0x88;
  private static final int NEWFALSE = 0x89;
  private static final int LONG1 = 0x8a;
  private static final int SHORT_BINUNICODE = 0x8c;
  private static final int BINUNICODE8 = 0x8d;
  private static final int STACK_GLOBAL = 0x93;
  private static final int MEMOIZE = 0x94;
  private static final int FRAME = 0x95;

  private static final Map<Class<?>, String> PYTHON_TYPES =
      Map.of(
          String.class,
          "str",
          Long.class,
          "int",
          Double.class,
          "float",
          Boolean.class,
          "bool",
          Tuple.class,
          "tuple",
          ArrayList.class,
          "list",
          LinkedHashMap.class,
          "dict");

  private final ByteBuffer in;
  private final Objects objects;
  private final List<Object> stack = new ArrayList<>();
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private Unpickler(byte[] pickle, Objects objects) {
    this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    this.objects = objects;
  }

  /**
   * {@return the object {@code pickle} holds}
   *
   * @throws PickleException naming the byte and opcode at fault, for malformed pickles and for
   *     whatever {@code objects} refuses
   */
  static Object load(byte[] pickle, Objects objects) {
    return new Unpickler(pickle, objects).run();
  }

  private Object run() {
    while (in.hasRemaining()) {
      int at = in.position();
      int op = Byte.toUnsignedInt(in.get());
      try {
        if (op == STOP) {
          if (stack.size() != 1 || !marks.isEmpty()) {
            throw new PickleException(
                "STOP with "
                    + stack.size()
                    + " objects and "
                    + marks.size()
                    + " marks left, expected one object");
          }
          return stack.get(0);
        }
        step(op);
      } catch (PickleException e) {
        throw new PickleException(
            "byte " + at + " (opcode 0x" + Integer.toHexString(op) + "): " + e.getMessage());
      }
    }
    throw new PickleException(
        "ends after " + in.limit() + " bytes without a STOP opcode: truncated");
  }

  private void step(int op) {
    switch (op) {
      case PROTO -> {
        int protocol = u8();
        if (protocol < 2 || protocol > 5) {
          throw new PickleException(
              "pickle protocol " + protocol + " is not one torch.save writes (2 to 5)");
        }
      }
      case FRAME -> bytes(8); // a buffering hint: the frame's opcodes follow inline
      case MARK -> marks.push(stack.size());
      case EMPTY_DICT -> push(new LinkedHashMap<>());
      case EMPTY_LIST -> push(new ArrayList<>());
      case EMPTY_TUPLE -> push(new Tuple(new ArrayList<>()));
      case TUPLE -> push(new Tuple(popMark()));
      case TUPLE1, TUPLE2, TUPLE3 -> push(new Tuple(popTop(op - TUPLE1 + 1)));
      case NONE -> push(null);
      case NEWTRUE -> push(Boolean.TRUE);
      case NEWFALSE -> push(Boolean.FALSE);
      case BININT -> push((long) bytes(4).getInt());
      case BININT1 -> push((long) u8());
      case BININT2 -> push((long) Short.toUnsignedInt(bytes(2).getShort()));
      case LONG1 -> push(long1());
      case BINFLOAT -> push(bytes(8).order(ByteOrder.BIG_ENDIAN).getDouble());
      case BINUNICODE -> push(string(Integer.toUnsignedLong(bytes(4).getInt())));
      case SHORT_BINUNICODE -> push(string(u8()));
      case BINUNICODE8 -> push(string(bytes(8).getLong()));
      case GLOBAL -> push(objects.global(line(), line()));
      case STACK_GLOBAL -> {
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw new PickleException(
              "STACK_GLOBAL needs two strings, got " + typeName(module) + " and " + typeName(name));
        }
        push(objects.global(m, n));
      }
      case REDUCE -> {
        Object args = pop();
        Object callable = pop();
        if (!(args instanceof Tuple t)) {
          throw new PickleException("REDUCE needs a tuple of arguments, got " + typeName(args));
        }
        push(objects.reduce(callable, t));
      }
      case BUILD -> {
        Object state = pop();
        objects.build(peek(), state);
      }
      case BINPERSID -> push(objects.persistentLoad(pop()));
      case SETITEM -> {
        Object value = pop();
        Object key = pop();
        put(dict(peek()), key, value);
      }
      case SETITEMS -> {
        List<Object> items = popMark();
        if (items.size() % 2 != 0) {
          throw new PickleException(
              "SETITEMS with an odd number (" + items.size() + ") of keys and values");
        }
        Map<Object, Object> d = dict(peek());
        for (int i = 0; i < items.size(); i += 2) {
          put(d, items.get(i), items.get(i + 1));
        }
      }
      case APPEND -> {
        Object value = pop();
        list(peek()).add(value);
      }
      case APPENDS -> {
        List<Object> items = popMark();
        list(peek()).addAll(items);
      }
      case BINPUT -> memo.put((long) u8(), peek());
      case LONG_BINPUT -> memo.put(Integer.toUnsignedLong(bytes(4).getInt()), peek());
      case MEMOIZE -> memo.put((long) memo.size(), peek());
      case BINGET -> push(memoGet(u8()));
      case LONG_BINGET -> push(memoGet(Integer.toUnsignedLong(bytes(4).getInt())));
      default ->
          throw new PickleException(
              "opcode 0x"
                  + Integer.toHexString(op)
                  + " is not one a state dict needs "
                  + "(torch.save writes protocol 2): refused");
    }
  }

  private void push(Object o) {
    stack.add(o);
  }

  /**
   * Objects below the innermost MARK belong to an enclosing collection: pops and peeks never reach
   * them.
   */
  private void need(int n) {
    if (stack.size() - n < (marks.isEmpty() ? 0 : marks.peek())) {
      throw new PickleException(
          "needs "
              + n
              + " object"
              + (n == 1 ? "" : "s")
              + " but the stack holds fewer"
              + (marks.isEmpty() ? "" : " above its mark"));
    }
  }

  private Object pop() {
    need(1);
    return stack.remove(stack.size() - 1);
  }

  private Object peek() {
    need(1);
    return stack.get(stack.size() - 1);
  }

  private List<Object> popTop(int n) {
    need(n);
    return cut(stack.size() - n);
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw new PickleException("needs a MARK but there is none");
    }
    return cut(marks.pop());
  }

  /** {@return the objects from {@code from} to the top, removed from the stack} */
  private List<Object> cut(int from) {
    List<Object> top = stack.subList(from, stack.size());
    List<Object> out = new ArrayList<>(top);
    top.clear();
    return out;
  }

  private Object memoGet(long index) {
    if (!memo.containsKey(index)) {
      throw new PickleException("memo index " + index + " was never stored");
    }
    return memo.get(index);
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> dict(Object o) {
    if (!(o instanceof LinkedHashMap)) {
      throw new PickleException("sets items on a " + typeName(o) + ", not a dict");
    }
    return (Map<Object, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    if (!(o instanceof ArrayList)) {
      throw new PickleException("appends to a " + typeName(o) + ", not a list");
    }
    return (List<Object>) o;
  }

  /**
   * Keys are plain immutable values: a list as a key could contain itself, and hashing it would
   * never end.
   */
  private static void put(Map<Object, Object> d, Object key, Object value) {
    if (!(key instanceof String
        || key instanceof Long
        || key instanceof Boolean
        || key instanceof Double)) {
      throw new PickleException(
          "dict key of type " + typeName(key) + ": state dicts use string keys");
    }
    d.put(key, value);
  }

  private int u8() {
    return Byte.toUnsignedInt(bytes(1).get());
  }

  private ByteBuffer bytes(long n) {
    if (n < 0 || n > in.remaining()) {
      throw new PickleException(
          "needs "
              + Long.toUnsignedString(n)
              + " bytes but the pickle ends after "
              + in.remaining()
              + ": truncated");
    }
    ByteBuffer b = in.slice(in.position(), (int) n).order(ByteOrder.LITTLE_ENDIAN);
    in.position(in.position() + (int) n);
    return b;
  }

  private String string(long n) {
    ByteBuffer b = bytes(n);
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  /** A newline-terminated line, as GLOBAL's module and name are written. */
  private String line() {
    int start = in.position();
    for (int i = start; i < in.limit(); i++) {
      if (in.get(i) == '\n') {
        String s = StandardCharsets.UTF_8.decode(in.slice(start, i - start)).toString();
        in.position(i + 1);
        return s;
      }
    }
    throw new PickleException("GLOBAL name has no end of line: truncated");
  }

  /**
   * A little-endian two's complement integer of up to 8 bytes; larger ones cannot be sizes or
   * offsets.
   */
  private long long1() {
    int n = u8();
    if (n > 8) {
      throw new PickleException("integer of " + n + " bytes is too large for a size or offset");
    }
    ByteBuffer b = bytes(n);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | Byte.toUnsignedInt(b.get(i));
    }
    return n == 0 || n == 8 ? v : (v << (64 - 8 * n)) >> (64 - 8 * n); // sign-extend
  }

  /**
   * {@return the Python type of a value built here, for messages (never its contents, which may be
   * cyclic)}
   */
  static String typeName(Object o) {
    return o == null ? "None" : PYTHON_TYPES.getOrDefault(o.getClass(), o.toString());
  }
}
