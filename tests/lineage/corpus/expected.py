"""The column lineage of every corpus job, written by hand from the job's code in `jobs.py`.

Datasets are named relative to the corpus folder (`in/orders`) or as catalog tables
(`sales.amounts`), so these expectations say what lineage is, not how datasets are named.
Each write lists, per output column, its upstream columns with the transform of each edge
(`masked`: through a one-way hash; `guessed`: through an operator Spark does not explain, traced
to all of its input columns with a lower confidence), the columns that only decide which value a
column takes (`conditional`), and the columns that decide which rows are written (`indirect`).
`lost` lists what the code implies but the Spline agent does not capture (it writes subquery
plans as text and sees an RDD as a new source): the test checks they are still absent, so a Spline
that starts capturing them shows up here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

ID = "IDENTITY"
T = "TRANSFORMATION"
AGG = "AGGREGATION"
MASKED = "TRANSFORMATION masked"
GUESSED = "TRANSFORMATION guessed"


@dataclass(frozen=True)
class Write:
    output: str
    columns: dict[str, dict[str, str]]
    conditional: dict[str, list[str]] = field(default_factory=dict)
    indirect: dict[str, list[str]] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # "column <- upstream", or "KIND <- upstream"


def _at(dataset: str) -> Callable[[str], str]:
    return lambda column: f"{dataset}.{column}"


O, C, E = _at("in/orders"), _at("in/customers"), _at("in/events")  # noqa: E741 (short on purpose)

EXPECTED: dict[str, list[Write]] = {
    "join_inner": [Write("out/join_inner",
                         {"order_id": {O("order_id"): ID}, "name": {C("name"): ID}, "amount": {O("amount"): ID}},
                         indirect={"JOIN": [O("customer_id"), C("customer_id")]})],
    "join_left": [Write("out/join_left",
                        {"customer_id": {C("customer_id"): ID}, "name": {C("name"): ID},
                         "amount": {O("amount"): ID}},
                        indirect={"JOIN": [O("customer_id"), C("customer_id")]})],
    "join_semi": [Write("out/join_semi", {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID}},
                        indirect={"JOIN": [O("customer_id"), C("customer_id")]})],
    "join_anti": [Write("out/join_anti", {"customer_id": {C("customer_id"): ID}, "name": {C("name"): ID}},
                        indirect={"JOIN": [O("customer_id"), C("customer_id")]})],
    "join_self": [Write("out/join_self", {"first_id": {O("order_id"): ID}, "next_id": {O("order_id"): ID}},
                        indirect={"JOIN": [O("customer_id"), O("order_id")]})],
    "group_by": [Write("out/group_by",
                       {"country": {O("country"): ID}, "revenue": {O("amount"): AGG},
                        "orders": {},  # count(*) counts rows: no column flows into it
                        "last_ts": {O("ts"): AGG}},
                       indirect={"GROUP_BY": [O("country")]})],
    "renamed_like_functions": [Write("out/renamed_like_functions",
                                     {"max": {O("amount"): ID}, "count": {O("order_id"): ID},
                                      "first": {O("status"): ID}, "product": {O("customer_id"): ID}})],
    "rollup": [Write("out/rollup",
                     {"country": {O("country"): ID}, "status": {O("status"): ID}, "revenue": {O("amount"): AGG}},
                     indirect={"GROUP_BY": [O("country"), O("status")]})],
    # createDataFrame data is no dataset: nothing upstream, and nothing claimed.
    "cube_local": [Write("out/cube_local", {"country": {}, "status": {}, "total": {}})],
    "grouping_sets": [Write("out/grouping_sets",
                            {"country": {O("country"): ID}, "status": {O("status"): ID},
                             "revenue": {O("amount"): AGG}},
                            indirect={"GROUP_BY": [O("country"), O("status")]})],
    # row_number() reads no column, so the filter on it names none; the window's keys pick the rows.
    "window_dedup": [Write("out/window_dedup",
                           {"customer_id": {O("customer_id"): ID}, "order_id": {O("order_id"): ID},
                            "amount": {O("amount"): ID}},
                           indirect={"WINDOW": [O("customer_id"), O("ts")]})],
    "window_lag": [Write("out/window_lag", {"order_id": {O("order_id"): ID}, "previous_amount": {O("amount"): T}},
                         indirect={"WINDOW": [O("customer_id"), O("ts")]})],
    "window_running_sum": [Write("out/window_running_sum",
                                 {"order_id": {O("order_id"): ID}, "running_total": {O("amount"): AGG}},
                                 indirect={"WINDOW": [O("customer_id"), O("ts")]})],
    "union_all": [Write("out/union_all",
                        {"order_id": {O("order_id"): ID, E("user_id"): ID},
                         "amount": {O("amount"): ID, E("value"): ID}})],
    "union_then_aggregate": [Write("out/union_then_aggregate",
                                   {"user_id": {O("customer_id"): ID, E("user_id"): ID},
                                    "total": {O("amount"): AGG, E("value"): AGG}},
                                   indirect={"GROUP_BY": [O("customer_id"), E("user_id")]})],
    "union_by_name": [Write("out/union_by_name",
                            {"user_id": {O("customer_id"): ID, E("user_id"): ID},
                             "value": {O("amount"): ID, E("value"): ID},
                             "status": {O("status"): ID}})],
    "explode_items": [Write("out/explode_items",
                            {"order_id": {O("order_id"): ID}, "sku": {O("items"): T}, "qty": {O("items"): T}})],
    "posexplode_inline": [Write("out/posexplode_inline",
                                {"order_id": {O("order_id"): ID}, "position": {O("items"): T},
                                 "sku": {O("items"): T}, "qty": {O("items"): T}})],
    "struct_access": [Write("out/struct_access",
                            {"customer_id": {C("customer_id"): ID}, "city": {C("address"): T},
                             "zip": {C("address"): T}})],
    "python_udf": [Write("out/python_udf", {"customer_id": {C("customer_id"): ID}, "loud_name": {C("name"): T}})],
    "pandas_udf": [Write("out/pandas_udf", {"order_id": {O("order_id"): ID}, "gross": {O("amount"): T}})],
    "map_in_pandas": [Write("out/map_in_pandas",
                            {"order_id": {O("order_id"): GUESSED, O("amount"): GUESSED},
                             "amount": {O("order_id"): GUESSED, O("amount"): GUESSED}})],
    "apply_in_pandas": [Write("out/apply_in_pandas",
                              {"customer_id": {O("customer_id"): GUESSED, O("amount"): GUESSED},
                               "amount": {O("customer_id"): GUESSED, O("amount"): GUESSED}},
                              indirect={"GROUP_BY": [O("customer_id")]})],
    "rdd_map": [Write("out/rdd_map", {"order_id": {}, "doubled": {}},
                      lost=[f"order_id <- {O('order_id')}", f"doubled <- {O('amount')}"])],
    "cte": [Write("out/cte",
                  {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID}, "other_id": {O("order_id"): ID}},
                  indirect={"FILTER": [O("amount")], "JOIN": [O("customer_id"), O("order_id")]})],
    "scalar_subquery": [Write("out/scalar_subquery",
                              {"order_id": {O("order_id"): ID}, "avg_amount": {}, "customer_max": {}},
                              conditional={"customer_max": [O("customer_id")]},
                              lost=[f"avg_amount <- {O('amount')}", f"customer_max <- {O('amount')}"])],
    "in_subquery": [Write("out/in_subquery", {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID}},
                          indirect={"FILTER": [O("customer_id")]},
                          lost=[f"FILTER <- {C('customer_id')}", f"FILTER <- {C('segment')}"])],
    "case_when": [Write("out/case_when",
                        {"order_id": {O("order_id"): ID}, "paid_amount": {O("amount"): T},
                         "region": {}},  # IF(country = 'GB', 'uk', 'other'): only literals flow in
                        conditional={"paid_amount": [O("status")], "region": [O("country")]})],
    "coalesce_columns": [Write("out/coalesce_columns",
                               {"customer_id": {C("customer_id"): ID}, "contact": {C("email"): T, C("name"): T}})],
    "pivot": [Write("out/pivot",
                    {"customer_id": {O("customer_id"): ID}, "paid": {O("amount"): AGG}, "open": {O("amount"): AGG}},
                    conditional={"paid": [O("status")], "open": [O("status")]},
                    indirect={"GROUP_BY": [O("customer_id"), O("status")]})],
    "drop_duplicates": [Write("out/drop_duplicates",
                              {"customer_id": {O("customer_id"): ID}, "country": {O("country"): ID}},
                              indirect={"GROUP_BY": [O("customer_id")]})],
    "masking": [Write("out/masking",
                      {"email_sha": {C("email"): MASKED}, "name_md5": {C("name"): MASKED},
                       "id_hash": {C("customer_id"): MASKED}, "segment_xx": {C("segment"): MASKED},
                       "name_upper": {C("name"): T}})],
    "range_source": [Write("out/range_source", {"id": {}, "square": {}})],
    "create_dataframe_source": [Write("out/create_dataframe_source", {"k": {}, "v": {}})],
    "ctas": [Write("sales.big_orders", {"order_id": {O("order_id"): ID}, "double_amount": {O("amount"): T}},
                   indirect={"FILTER": [O("amount")]})],
    "insert_into_partitioned": [Write("sales.orders_by_country",
                                      {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID},
                                       "country": {O("country"): ID}})],
    "insert_overwrite_partitioned": [Write("sales.orders_by_country",
                                           {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID},
                                            "country": {}},  # PARTITION (country = 'GB'): a literal
                                           indirect={"FILTER": [O("country")]})],
    # Spark casts oid/amt to the table's own types: no change of value, so still IDENTITY.
    "insert_renamed_same_type": [Write("sales.amounts", {"id": {O("order_id"): ID}, "value": {O("amount"): ID}})],
    "save_as_table": [Write("sales.customer_names", {"customer_id": {C("customer_id"): ID}, "name": {C("name"): ID}})],
    "read_single_file": [Write("out/read_single_file",
                               {"name": {"in/people.json.name": ID}, "age": {"in/people.json.age": ID}})],
    "read_partitioned": [Write("out/read_partitioned",
                               {"user_id": {E("user_id"): ID}, "event": {E("event"): ID}, "day": {E("day"): ID}},
                               indirect={"FILTER": [E("day")]})],
    "sort_limit_repartition": [Write("out/sort_limit_repartition",
                                     {"order_id": {O("order_id"): ID}, "amount": {O("amount"): ID}},
                                     indirect={"SORT": [O("amount")]})],
    "read_directory_csv": [
        Write("in/segments_csv", {"customer_id": {C("customer_id"): ID}, "segment": {C("segment"): ID}}),
        Write("out/read_directory_csv", {"segment": {"in/segments_csv.segment": ID}}),
    ],
}
