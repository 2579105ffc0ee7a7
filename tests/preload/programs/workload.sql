-- workload.sql — the sqlite3 shell under nodal: recursive CTEs, indexes, aggregates.
create table t(id integer primary key, name text, v real);
with recursive c(i) as (select 1 union all select i + 1 from c where i < 100000)
insert into t(name, v) select printf('n%06d', i), i * 0.25 from c;
create index t_v on t(v);
select count(*), sum(v), min(name), max(name) from t;
select group_concat(name, ',') from (select name from t where id % 9973 = 0 order by name);
select count(*) from t a join t b on a.id = b.id + 1 where a.v > 1000;
