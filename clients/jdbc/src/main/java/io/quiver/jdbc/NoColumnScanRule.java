package io.quiver.jdbc;

import java.util.List;
import org.apache.calcite.interpreter.Bindables;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.logical.LogicalAggregate;
import org.apache.calcite.rel.logical.LogicalTableScan;
import org.apache.calcite.tools.RelBuilderFactory;

/**
 * {@code SELECT COUNT(*) FROM t} reads no column, yet Calcite plans it as a scan of the whole table
 * (no projection above the scan for its projection rule to push). This rule gives such an aggregate
 * a scan of the table's cheapest column instead.
 */
final class NoColumnScanRule extends RelRule<NoColumnScanRule.Config> {
  static final RelOptRule INSTANCE = new Config().toRule();

  private NoColumnScanRule(Config config) {
    super(config);
  }

  @Override
  public boolean matches(RelOptRuleCall call) {
    Aggregate aggregate = call.rel(0);
    TableScan scan = call.rel(1);
    if (scan.getTable().unwrap(FlightTable.class) == null || !aggregate.getGroupSet().isEmpty()) {
      return false;
    }
    for (AggregateCall c : aggregate.getAggCallList()) {
      if (!c.getArgList().isEmpty()
          || c.filterArg >= 0
          || !c.collation.getFieldCollations().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void onMatch(RelOptRuleCall call) {
    Aggregate aggregate = call.rel(0);
    TableScan scan = call.rel(1);
    // One column, not none: Calcite's generated code cannot take rows of no columns here.
    FlightTable table = scan.getTable().unwrap(FlightTable.class);
    Bindables.BindableTableScan one =
        Bindables.BindableTableScan.create(
            scan.getCluster(), scan.getTable(), List.of(), List.of(table.cheapestColumn()));
    call.transformTo(aggregate.copy(aggregate.getTraitSet(), List.of(one)));
  }

  /** A logical aggregate over a logical table scan. */
  static final class Config implements RelRule.Config {
    @Override
    public NoColumnScanRule toRule() {
      return new NoColumnScanRule(this);
    }

    @Override
    public String description() {
      return "QuiverNoColumnScanRule";
    }

    @Override
    public RelRule.OperandTransform operandSupplier() {
      return b0 ->
          b0.operand(LogicalAggregate.class)
              .oneInput(b1 -> b1.operand(LogicalTableScan.class).noInputs());
    }

    @Override
    public RelRule.Config withRelBuilderFactory(RelBuilderFactory factory) {
      return this;
    }

    @Override
    public RelRule.Config withDescription(String description) {
      return this;
    }

    @Override
    public RelRule.Config withOperandSupplier(RelRule.OperandTransform transform) {
      return this;
    }
  }
}
