{#-
    Incremental measure models, rebuilt by (org, period) after a resubmission.

    A load that changed some (return, org, period) slots hands dbt their scope in the
    environment variable SWS_DBT_SCOPE, JSON {"orgs": [...], "from_period": "YYYY-YY-Qn" or
    null}: the orgs whose rows can change (the changed slots' orgs and REGION) and the
    earliest period that can (null: every period). It is read only when a model is built
    (`execute`), never while parsing, so a new scope costs no parse; a --vars value would
    make dbt parse the whole project again (its partial parse keys on the vars).

    Without a scope (a full build, the quarterly refresh, a model built from the UI) an
    incremental model replaces every row: `in_scope` is `true`.
-#}

{#- The load's scope, or none. The variable first: a unit test has no relation to ask
    `is_incremental` about; a model built anew (no table yet) gets every row. -#}
{% macro load_scope() -%}
    {%- set raw = env_var('SWS_DBT_SCOPE', '') if execute else '' -%}
    {%- if raw and is_incremental() -%}
        {{ return(fromjson(raw)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- A predicate on the rows the load's scope may change: `org_column` among its orgs (no
    org column: the model is REGION's only) and `period_column` from its first period. -#}
{% macro in_scope(org_column, period_column) -%}
    {{ scope_predicate(load_scope(), org_column, period_column) }}
{%- endmacro %}

{#- `in_scope` for a given scope (none: `true`). -#}
{% macro scope_predicate(scope, org_column, period_column) -%}
    {%- if scope is none -%}
        true
    {%- else -%}
        {%- set terms = [] -%}
        {%- if org_column -%}
            {%- do terms.append(
                org_column ~ " in (" ~ _quoted(scope['orgs'] | list) ~ ")"
            ) -%}
        {%- endif -%}
        {%- if period_column and scope['from_period'] -%}
            {%- do terms.append(
                period_column ~ " >= " ~ _quoted([scope['from_period']])
            ) -%}
        {%- endif -%}
        {{ terms | join(' and ') if terms else 'true' }}
    {%- endif -%}
{%- endmacro %}

{#- Org codes and periods as SQL strings; the load sends only codes and periods, and anything
    else stops the build rather than reach the SQL. -#}
{% macro _quoted(values) -%}
    {%- for value in values -%}
        {%- if not modules.re.fullmatch('[A-Z0-9_]+|[0-9]{4}-[0-9]{2}-Q[1-4]', value) -%}
            {{ exceptions.raise_compiler_error('SWS_DBT_SCOPE: not an org or period: ' ~ value) }}
        {%- endif -%}
        '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The `replace_scope` incremental strategy: delete the target's rows in the load's scope,
    insert the model's rows (which the model filters with `in_scope` on the same columns,
    config `scope_columns`). Rows outside the scope stay as they were; rows inside it that
    the model no longer yields are gone, as in a full build. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set columns = config.require('scope_columns') -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_scope(columns[0], columns[1]) }};
    insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#-
    Data tests after a resubmission. An incremental model's rows outside the load's scope are
    the rows the last build tested and passed, unchanged; so its tests check only the rows in
    the scope, where a full build checks every row. Only tests whose verdict on a row or group
    rests on that row or group alone are scoped:
    - row by row (`not_null`, `not_null_columns`, `accepted_values`, `accepted_range`,
      `expression_is_true`, and `relationships` to a seed, which a resubmission never changes):
      the rows in the scope;
    - by group (`unique`, `unique_combination_of_columns`, `constant_within_group`): by the
      scope's columns that are in the group's key, so that a group lies wholly inside the
      scope or wholly outside it (a key of org and event_id, unique across periods, is checked
      over every period of the changed orgs).
    Any other test, a test of a model built whole, and every test without a scope: all rows.
-#}
{% macro default__get_where_subquery(relation) -%}
    {#- not while parsing: no scope then, and a partial parse may not know this file's other
        macros yet -#}
    {%- if not execute -%}
        {{ return(dbt.default__get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set terms = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do terms.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set scoped = test_scope() -%}
    {%- if scoped != 'true' -%}
        {%- do terms.append(scoped) -%}
    {%- endif -%}
    {%- if terms -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ terms | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}

{#- The rows of its model this data test checks (`true`: all). -#}
{% macro test_scope() -%}
    {%- set raw = env_var('SWS_DBT_SCOPE', '') if execute else '' -%}
    {%- if not raw or model.resource_type != 'test' or not model.test_metadata -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- if tested is none or tested.config.materialized != 'incremental'
        or not tested.config.get('scope_columns') -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set org_column, period_column = tested.config.get('scope_columns') -%}
    {%- set name = model.test_metadata.name -%}
    {%- set kwargs = model.test_metadata.kwargs -%}
    {%- set others = [] -%}
    {%- for node in model.depends_on.nodes if node != model.attached_node -%}
        {%- do others.append(graph.nodes[node].resource_type if node in graph.nodes else node) -%}
    {%- endfor -%}
    {%- set row_tests = [
        'not_null', 'not_null_columns', 'accepted_values', 'accepted_range', 'expression_is_true'
    ] -%}
    {%- if name in row_tests and not others -%}
        {%- set key = none -%}
    {%- elif name == 'relationships' and others and others | reject('equalto', 'seed') | list == [] -%}
        {%- set key = none -%}
    {%- elif name == 'unique' -%}
        {%- set key = [kwargs['column_name']] -%}
    {%- elif name == 'unique_combination_of_columns' -%}
        {%- set key = kwargs['combination_of_columns'] -%}
    {%- elif name == 'constant_within_group' -%}
        {%- set key = kwargs['group_by'] -%}
    {%- else -%}
        {{ return('true') }}
    {%- endif -%}
    {%- if key is not none -%}
        {%- set org_column = org_column if org_column in key else none -%}
        {%- set period_column = period_column if period_column in key else none -%}
    {%- endif -%}
    {{ return(scope_predicate(fromjson(raw), org_column, period_column)) }}
{%- endmacro %}
