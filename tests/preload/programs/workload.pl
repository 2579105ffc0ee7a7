# workload.pl — Perl hashes, regexes, sorting and string building; output compared with
# and without nodal by tests/preload/programs.sh.
use strict;
use warnings;
my %h;
for my $i (1 .. 100000) {
	$h{"key$i"} = join(",", map { $_ * $i } 1 .. ($i % 9));
}
my @keys = sort { length($h{$b}) <=> length($h{$a}) or $a cmp $b } keys %h;
my $n = grep { /7.*3/ } values %h;
my $s = '';
$s .= sprintf("%05d|", $_) for 1 .. 20000;
(my $t = $s) =~ s/(\d)\1/<$1>/g;
print scalar(keys %h), " $keys[0] $keys[-1] $n ", length($s), " ", length($t), "\n";
