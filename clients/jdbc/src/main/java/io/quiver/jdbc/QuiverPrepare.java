package io.quiver.jdbc;

import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.plan.RelOptCostFactory;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.prepare.CalcitePrepareImpl;

/** Calcite's statement preparation, with Quiver's planner rule ({@link NoColumnScanRule}). */
final class QuiverPrepare extends CalcitePrepareImpl {
  @Override
  protected RelOptPlanner createPlanner(
      CalcitePrepare.Context prepareContext,
      org.apache.calcite.plan.Context externalContext,
      RelOptCostFactory costFactory) {
    RelOptPlanner planner = super.createPlanner(prepareContext, externalContext, costFactory);
    planner.addRule(NoColumnScanRule.INSTANCE);
    return planner;
  }
}
