package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.quiver.protocol.action.ActionType;
import io.quiver.protocol.action.Actions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The registry of action handlers: one per action, with the roles and threads it declares. */
class QuiverActionsTest {
  // The handlers only keep their collaborators until an action runs.
  private final QuiverActions actions =
      new QuiverActions(null, null, null, null, null, null, null, null, null, null, null, null);

  private Set<String> names(java.util.function.Predicate<ActionHandler<?, ?>> which) {
    return actions.handlers().stream()
        .filter(which)
        .map(h -> h.type().name())
        .collect(Collectors.toSet());
  }

  @Test
  void everyActionHasOneHandlerFoundByItsName() {
    assertEquals(
        Actions.ALL,
        actions.handlers().stream().<ActionType<?, ?>>map(ActionHandler::type).toList());
    for (ActionType<?, ?> type : Actions.ALL) {
      assertSame(type, actions.handler(type.name()).type());
    }
    assertNull(actions.handler("frobnicate"));
    assertNull(actions.handler(null));
  }

  @Test
  void readersMayListAndLookEverythingElseNeedsAdmin() {
    assertEquals(
        Set.of(
            "mounts",
            "tables",
            "describe-table",
            "ls",
            "stat",
            "stats",
            "cache-ls",
            "nodes",
            "short-circuit",
            "health"),
        names(h -> h.role() == ActionHandler.Role.READER));
  }

  @Test
  void actionsThatMayReadAStoreRunOnStreamThreads() {
    assertEquals(
        Set.of(
            "mount",
            "create-table",
            "ls",
            "stat",
            "mv",
            "refresh",
            "describe-table",
            "cache-free",
            "pin",
            "cache-load",
            "cache-ls",
            "short-circuit"),
        names(h -> h.execution() == ActionHandler.Execution.STREAM_THREAD));
    assertEquals(List.of("cache-load"), List.copyOf(names(h -> h.type().streaming())));
  }
}
