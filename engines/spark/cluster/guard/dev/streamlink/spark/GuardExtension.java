package dev.streamlink.spark;

import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.command.SetCommand;
import scala.Function1;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The Thrift server's second wall behind StreamLink's checker (threats T4 and T6 of docs/security.md): every
 * analysed statement is refused when it could run code on the cluster (TRANSFORM … USING, reflect/java_method,
 * ADD JAR/FILE/ARCHIVE, CREATE FUNCTION) or change a setting (SET key=value; reading a setting stays allowed).
 * Installed with spark.sql.extensions=dev.streamlink.spark.GuardExtension.
 */
public final class GuardExtension extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  /** Logical plan classes that run or install code, with the SQL a user wrote to get them. */
  private static final Map<String, String> BLOCKED_PLANS = Map.of(
      "ScriptTransformation", "TRANSFORM ... USING",
      "AddJarsCommand", "ADD JAR",
      "AddFilesCommand", "ADD FILE",
      "AddArchivesCommand", "ADD ARCHIVE",
      "CreateFunctionCommand", "CREATE FUNCTION",
      "CreateFunction", "CREATE FUNCTION",
      "CreateUserDefinedFunction", "CREATE FUNCTION");
  private static final Set<String> BLOCKED_EXPRESSIONS = Set.of("CallMethodViaReflection");

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(new AbstractFunction1<SparkSession, Function1<LogicalPlan, BoxedUnit>>() {
      @Override
      public Function1<LogicalPlan, BoxedUnit> apply(SparkSession session) {
        return new AbstractFunction1<LogicalPlan, BoxedUnit>() {
          @Override
          public BoxedUnit apply(LogicalPlan plan) {
            checkPlan(plan);
            return BoxedUnit.UNIT;
          }
        };
      }
    });
    return BoxedUnit.UNIT;
  }

  private static void refuse(String what) {
    throw new SecurityException("[STREAMLINK_BLOCKED] " + what + " is not allowed on this cluster.");
  }

  static void checkPlan(LogicalPlan plan) {
    String blocked = BLOCKED_PLANS.get(plan.getClass().getSimpleName());
    if (blocked != null) refuse(blocked);
    if (plan instanceof SetCommand set && set.kv().isDefined() && set.kv().get()._2().isDefined()) {
      refuse("SET " + set.kv().get()._1());
    }
    Iterator<Expression> expressions = plan.expressions().iterator();
    while (expressions.hasNext()) checkExpression(expressions.next());
    Iterator<LogicalPlan> children = plan.children().iterator();
    while (children.hasNext()) checkPlan(children.next());
    Iterator<?> inner = plan.innerChildren().iterator();
    while (inner.hasNext()) {
      Object child = inner.next();
      if (child instanceof LogicalPlan logical) checkPlan(logical);
    }
  }

  static void checkExpression(Expression expression) {
    if (BLOCKED_EXPRESSIONS.contains(expression.getClass().getSimpleName())) refuse("reflect/java_method");
    if (expression instanceof SubqueryExpression subquery) checkPlan(subquery.plan());
    Iterator<Expression> children = expression.children().iterator();
    while (children.hasNext()) checkExpression(children.next());
  }
}
