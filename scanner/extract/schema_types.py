"""Names of schema.org types that the JSON-LD reader treats specially."""

from __future__ import annotations

# schema.org Organization and its subtypes.
# NOTE: the list is written out by hand, so a subtype added to schema.org later, or
# left out here, is not read as an organisation.
ORGANIZATION_TYPES = frozenset(
    {
        "Organization", "Airline", "Consortium", "Cooperative", "Corporation",
        "FundingScheme", "GovernmentOrganization", "LibrarySystem", "NGO",
        "NewsMediaOrganization", "OnlineBusiness", "OnlineStore", "PoliticalParty",
        "Project", "FundingAgency", "ResearchProject", "ResearchOrganization",
        "SearchRescueOrganization", "WorkersUnion",
        # EducationalOrganization
        "EducationalOrganization", "CollegeOrUniversity", "ElementarySchool",
        "HighSchool", "MiddleSchool", "Preschool", "School",
        # MedicalOrganization
        "MedicalOrganization", "DiagnosticLab", "Hospital", "MedicalClinic",
        "Pharmacy", "Physician", "IndividualPhysician", "PhysiciansOffice",
        "VeterinaryCare", "Dentist",
        # PerformingGroup and SportsOrganization
        "PerformingGroup", "DanceGroup", "MusicGroup", "TheaterGroup",
        "SportsOrganization", "SportsTeam",
        # LocalBusiness and its subtypes
        "LocalBusiness", "AnimalShelter", "ArchiveOrganization", "ChildCare",
        "DryCleaningOrLaundry", "EmploymentAgency", "InternetCafe", "Library",
        "ProfessionalService", "RadioStation", "RealEstateAgent", "RecyclingCenter",
        "SelfStorage", "ShoppingCenter", "TelevisionStation",
        "TouristInformationCenter", "TravelAgency",
        "AutomotiveBusiness", "AutoBodyShop", "AutoDealer", "AutoPartsStore",
        "AutoRental", "AutoRepair", "AutoWash", "GasStation", "MotorcycleDealer",
        "MotorcycleRepair",
        "EmergencyService", "FireStation", "PoliceStation",
        "EntertainmentBusiness", "AdultEntertainment", "AmusementPark",
        "ArtGallery", "Casino", "ComedyClub", "MovieTheater", "NightClub",
        "FinancialService", "AccountingService", "AutomatedTeller",
        "BankOrCreditUnion", "InsuranceAgency",
        "FoodEstablishment", "Bakery", "BarOrPub", "Brewery", "CafeOrCoffeeShop",
        "Distillery", "FastFoodRestaurant", "IceCreamShop", "Restaurant", "Winery",
        "GovernmentOffice", "PostOffice",
        "HealthAndBeautyBusiness", "BeautySalon", "DaySpa", "HairSalon",
        "HealthClub", "NailSalon", "TattooParlor",
        "HomeAndConstructionBusiness", "Electrician", "GeneralContractor",
        "HVACBusiness", "HousePainter", "Locksmith", "MovingCompany", "Plumber",
        "RoofingContractor",
        "LegalService", "Attorney", "Notary",
        "LodgingBusiness", "BedAndBreakfast", "Campground", "Hostel", "Hotel",
        "Motel", "Resort", "SkiResort", "VacationRental",
        "MedicalBusiness", "CommunityHealth", "Dermatology", "DietNutrition",
        "Emergency", "Geriatric", "Gynecologic", "Midwifery", "Nursing",
        "Obstetric", "Oncologic", "Optician", "Optometric", "Otolaryngologic",
        "Pediatric", "Physiotherapy", "PlasticSurgery", "Podiatric", "PrimaryCare",
        "Psychiatric", "PublicHealth",
        "SportsActivityLocation", "BowlingAlley", "ExerciseGym", "GolfCourse",
        "PublicSwimmingPool", "SportsClub", "StadiumOrArena", "TennisComplex",
        "Store", "BikeStore", "BookStore", "ClothingStore", "ComputerStore",
        "ConvenienceStore", "DepartmentStore", "ElectronicsStore", "Florist",
        "FurnitureStore", "GardenStore", "GroceryStore", "HardwareStore",
        "HobbyShop", "HomeGoodsStore", "JewelryStore", "LiquorStore",
        "MensClothingStore", "MobilePhoneStore", "MovieRentalStore", "MusicStore",
        "OfficeEquipmentStore", "OutletStore", "PawnShop", "PetStore", "ShoeStore",
        "SportingGoodsStore", "TireShop", "ToyStore", "WholesaleStore",
    }
)  # fmt: skip

# schema.org Article and its subtypes, whose `author` is never the site's organisation.
ARTICLE_TYPES = frozenset(
    {
        "Article", "AdvertiserContentArticle", "NewsArticle", "AnalysisNewsArticle",
        "AskPublicNewsArticle", "BackgroundNewsArticle", "OpinionNewsArticle",
        "ReportageNewsArticle", "ReviewNewsArticle", "Report", "SatiricalArticle",
        "ScholarlyArticle", "MedicalScholarlyArticle", "SocialMediaPosting",
        "BlogPosting", "LiveBlogPosting", "DiscussionForumPosting", "TechArticle",
        "APIReference",
    }
)  # fmt: skip
