package NewsMMDB;

# Small MaxMind DB files for the regional-readership tests, shaped like
# GeoIP2's City and Country databases, so that the tests need no data from
# outside the repository.  Written with MaxMind::DB::Writer::Tree (Debian's
# libmaxmind-db-writer-perl, which "make deps" installs).
#
#   use NewsMMDB;
#   plan skip_all => NewsMMDB::why_not() unless NewsMMDB::available();
#   NewsMMDB::write("$prefix/city.mmdb", {
#       '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
#       '2001:218::/32'  => { country => 'JP' },
#   });
#   NewsMMDB::write("$prefix/country.mmdb", {
#       '81.2.69.0/24' => { country => 'GB' },
#   }, type => 'GeoIP2-Country');
#
# A network's value:
#   country       ISO 3166-1 code: country => { iso_code, names => { en } }
#   subdivision   ISO 3166-2 code without the country: subdivisions =>
#                 [ { iso_code } ]; an arrayref gives several, the first
#                 the largest as in GeoIP2 (City databases only: a Country
#                 database has no subdivisions, and write() dies when one
#                 is given, so that a test cannot think it has them)
#   country_names, subdivision_names
#                 the names maps, { en => 'Japan', 'zh-CN' => '日本' }
#                 (Perl character strings), the latter the first
#                 subdivision's; without them the name in "en" is the code
#   data          a whole record as it is instead (its keys must be among
#                 the types below), for records no real database has
#
# Options:
#   type          the database_type: GeoIP2-City (default) or
#                 GeoIP2-Country; any other string is written as it is,
#                 City-shaped
#   alias         alias_ipv6_to_ipv4 (default 1): ::ffff:0:0/96 and the
#                 other IPv4 aliases lead to the IPv4 tree, as in MaxMind's
#                 own databases.  With 0 an IPv4-mapped address is found
#                 only by a reader that unmaps it first.
#
# The tree is IPv6 (IPv4 networks live in ::/96, where libmaxminddb looks
# IPv4 addresses up), record size 24, and reserved networks are kept, so
# that documentation addresses (192.0.2.0/24, 2001:db8::/32) can be used.
# Returns the path.

use strict;
use warnings;

my %TYPES = (
    city => 'map',
    continent => 'map',
    country => 'map',
    registered_country => 'map',
    subdivisions => ['array', 'map'],
    names => 'map',
    en => 'utf8_string',
    'zh-CN' => 'utf8_string',
    ja => 'utf8_string',
    iso_code => 'utf8_string',
    code => 'utf8_string',
    geoname_id => 'uint32',
);

sub available {
    return eval { require MaxMind::DB::Writer::Tree; 1 } ? 1 : 0;
}

sub why_not {
    return 'MaxMind::DB::Writer::Tree missing '
        . '(apt-get install libmaxmind-db-writer-perl, or make deps)';
}

sub write {
    my ($path, $networks, %opt) = @_;

    require MaxMind::DB::Writer::Tree;

    my $type = defined $opt{type} ? $opt{type} : 'GeoIP2-City';
    my $country_db = $type =~ /Country/;

    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version => 6,
        record_size => 24,
        database_type => $type,
        languages => ['en', 'ja', 'zh-CN'],
        description => { en => "ngx_news_module test $type database" },
        alias_ipv6_to_ipv4 => exists $opt{alias} ? ($opt{alias} ? 1 : 0) : 1,
        remove_reserved_networks => 0,
        map_key_type_callback => sub {
            my ($key) = @_;
            my $t = $TYPES{$key};
            die "NewsMMDB: no type for key '$key'\n" unless defined $t;
            return $t;
        },
    );

    # a fixed order, so that the same input writes the same file
    for my $net (sort keys %$networks) {
        my $v = $networks->{$net};
        my $data = $v->{data} || record($v, $country_db);
        $tree->insert_network($net, $data);
    }

    open my $fh, '>:raw', $path or die "NewsMMDB: cannot write $path: $!\n";
    $tree->write_tree($fh);
    close $fh or die "NewsMMDB: cannot write $path: $!\n";
    return $path;
}

# the record GeoIP2 would have for a country and its subdivisions
sub record {
    my ($v, $country_db) = @_;

    my %r;
    if (defined $v->{country}) {
        my $c = { iso_code => $v->{country},
            names => $v->{country_names} || { en => $v->{country} } };
        $r{country} = $c;
        $r{registered_country} = { %$c };
    }

    if (defined $v->{subdivision}) {
        die "NewsMMDB: a Country database has no subdivisions\n"
            if $country_db;
        my $s = $v->{subdivision};
        $r{subdivisions} = [ map { { iso_code => $_, names => { en => $_ } } }
            ref $s ? @$s : ($s) ];
        $r{subdivisions}[0]{names} = $v->{subdivision_names}
            if $v->{subdivision_names};
    }

    return \%r;
}

1;
