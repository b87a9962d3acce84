package dev.streamlink.spark;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.command.CreateDataSourceTableCommand;
import org.apache.spark.sql.execution.command.SetCommand;
import scala.Function1;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The Thrift server's second wall behind StreamLink's checker (threats T4 and T6 of docs/security.md), applied to
 * every analysed statement whoever sends it. The cluster only answers queries: a plan is refused when it holds any
 * command that is not on the read-only list below (so INSERT, CTAS, DROP, ALTER, TRUNCATE, LOAD DATA, CACHE,
 * MSCK REPAIR, INSERT OVERWRITE DIRECTORY, CREATE VIEW, a table or temporary view over a path … are all refused,
 * including commands a later Spark adds), when it could run code (TRANSFORM … USING, reflect/java_method, ADD JAR,
 * CREATE FUNCTION) or change a setting (SET key=value, RESET). The one write it lets through is the registration
 * `streamlink spark start` itself sends: an external Parquet table over a file or folder directly in the data
 * folder, named after it (spark.streamlink.guard.dataDir); that folder is mounted read-only for the cluster anyway.
 * Installed with spark.sql.extensions=dev.streamlink.spark.GuardExtension.
 */
public final class GuardExtension extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  /** The folder whose files `streamlink spark start` registers as tables; unset means no table may be created. */
  static final String DATA_DIR_CONF = "spark.streamlink.guard.dataDir";

  /** Plans that run or install code, with the SQL a user wrote to get them (reported before the generic refusal). */
  private static final Map<String, String> CODE_PLANS = Map.of(
      "ScriptTransformation", "TRANSFORM ... USING",
      "AddJarsCommand", "ADD JAR",
      "AddFilesCommand", "ADD FILE",
      "AddArchivesCommand", "ADD ARCHIVE",
      "CreateFunctionCommand", "CREATE FUNCTION",
      "CreateFunction", "CREATE FUNCTION",
      "CreateUserDefinedFunction", "CREATE FUNCTION");
  private static final Set<String> CODE_EXPRESSIONS = Set.of("CallMethodViaReflection");

  /**
   * Commands that only read the catalog or the session (SHOW, DESCRIBE, EXPLAIN, USE, SET key). Everything else
   * that is a Catalyst Command changes something and is refused.
   */
  private static final Set<String> READ_ONLY_COMMANDS = Set.of(
      "SetCommand", "ExplainCommand",
      "SetCatalogAndNamespace", "SetCatalogCommand", "SetNamespaceCommand",
      "ShowCatalogsCommand", "ShowCurrentNamespaceCommand", "ShowNamespaces",
      "ShowTables", "ShowTablesCommand", "ShowTablesExtended", "ShowTablePartition", "ShowViews", "ShowViewsCommand",
      "ShowColumns", "ShowColumnsCommand", "ShowFunctions", "ShowFunctionsCommand", "ShowPartitions",
      "ShowPartitionsCommand", "ShowCreateTable", "ShowCreateTableCommand", "ShowCreateTableAsSerdeCommand",
      "ShowTableProperties", "ShowTablePropertiesCommand",
      "DescribeRelation", "DescribeTableCommand", "DescribeRelationJsonCommand", "DescribeColumn",
      "DescribeColumnCommand", "DescribeNamespace", "DescribeDatabaseCommand", "DescribeFunction",
      "DescribeFunctionCommand", "DescribeQueryCommand");

  /** Parsed write statements that the analyser turns into commands; refused by name should one ever stay as it is. */
  private static final Set<String> WRITE_STATEMENTS = Set.of("InsertIntoStatement", "InsertIntoDir");

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(new AbstractFunction1<SparkSession, Function1<LogicalPlan, BoxedUnit>>() {
      @Override
      public Function1<LogicalPlan, BoxedUnit> apply(SparkSession session) {
        return new AbstractFunction1<LogicalPlan, BoxedUnit>() {
          @Override
          public BoxedUnit apply(LogicalPlan plan) {
            // A client can pass settings when it opens a session, past SET: reading files by path must stay off.
            if (session.sessionState().conf().runSQLonFile()) refuse("Reading files by path (spark.sql.runSQLOnFiles)");
            String dataDir = session.sparkContext().getConf().get(DATA_DIR_CONF, "");
            checkPlan(plan, dataDir.isEmpty() ? null : Path.of(dataDir).toAbsolutePath().normalize());
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

  static void checkPlan(LogicalPlan plan, Path dataDir) {
    // Scala objects (CLEAR CACHE) compile to a class named with a trailing $.
    String name = plan.getClass().getSimpleName().replace("$", "");
    String code = CODE_PLANS.get(name);
    if (code != null) refuse(code);
    if (plan instanceof SetCommand set && set.kv().isDefined() && set.kv().get()._2().isDefined()) {
      refuse("SET " + set.kv().get()._1());
    }
    if (WRITE_STATEMENTS.contains(name)) refuse(name + " (a statement that writes)");
    if (plan instanceof Command && !READ_ONLY_COMMANDS.contains(name) && !isRegistration(plan, dataDir)) {
      refuse(name + " (a statement that writes, creates, drops, alters, loads, caches or defines something)");
    }
    Iterator<Expression> expressions = plan.expressions().iterator();
    while (expressions.hasNext()) checkExpression(expressions.next(), dataDir);
    Iterator<LogicalPlan> children = plan.children().iterator();
    while (children.hasNext()) checkPlan(children.next(), dataDir);
    Iterator<?> inner = plan.innerChildren().iterator();
    while (inner.hasNext()) {
      Object child = inner.next();
      if (child instanceof LogicalPlan logical) checkPlan(logical, dataDir);
    }
  }

  static void checkExpression(Expression expression, Path dataDir) {
    if (CODE_EXPRESSIONS.contains(expression.getClass().getSimpleName())) refuse("reflect/java_method");
    if (expression instanceof SubqueryExpression subquery) checkPlan(subquery.plan(), dataDir);
    Iterator<Expression> children = expression.children().iterator();
    while (children.hasNext()) checkExpression(children.next(), dataDir);
  }

  /**
   * True for exactly what `streamlink spark start` sends: CREATE TABLE name USING parquet LOCATION 'dataDir/name'
   * or 'dataDir/name.parquet' in the default database, external, with no options besides the location.
   */
  static boolean isRegistration(LogicalPlan plan, Path dataDir) {
    if (dataDir == null || !(plan instanceof CreateDataSourceTableCommand create)) return false;
    CatalogTable table = create.table();
    String name = table.identifier().table();
    boolean parquet = table.provider().isDefined() && table.provider().get().equalsIgnoreCase("parquet");
    boolean external = table.tableType().equals(CatalogTableType.EXTERNAL());
    boolean inDefault = table.identifier().database().isEmpty() || table.identifier().database().get().equals("default");
    boolean plainOptions = table.storage().properties().keySet().forall(key -> key.equalsIgnoreCase("path"));
    if (!parquet || !external || !inDefault || !plainOptions || table.storage().locationUri().isEmpty()) return false;
    URI location = table.storage().locationUri().get();
    if (location.getScheme() != null && !location.getScheme().equals("file")) return false;
    Path path = Path.of(location.getPath()).toAbsolutePath().normalize();
    Path file = path.getFileName();
    if (file == null || !dataDir.equals(path.getParent())) return false;
    String stem = file.toString();
    return stem.equalsIgnoreCase(name) || stem.equalsIgnoreCase(name + ".parquet");
  }
}
